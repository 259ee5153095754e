/**
 * Pactly's seal: a PAdES baseline B-B signature (CMS detached,
 * /SubFilter /ETSI.CAdES.detached) over the whole final PDF, appended as one
 * incremental update after the given bytes, which stay an untouched prefix of
 * the output.
 *
 * The update holds
 * - the signature dictionary, whose /Contents is a fixed-size hex placeholder
 *   that the CMS is written into afterwards (unused space stays zeros),
 * - an invisible signature field merged with its widget annotation on page 1,
 * - page 1 again with the widget added to its /Annots (existing ones kept),
 * - the form (/AcroForm) with the field added and /SigFlags 3 (existing fields
 *   kept, so signatures already in an uploaded PDF stay valid),
 * - a cross-reference section of the same form as the previous one, and a
 *   trailer pointing back at it.
 *
 * Cost: the structure analysis every PDF path here runs (cross-reference
 * sections), reading a handful of objects (catalog, page-tree path to page 1,
 * form, page 1's annotations), then one SHA-256 over the file, and one
 * signature. Nothing else grows with the document: no pdf-lib load, no re-save.
 *
 * The signed attributes are content-type, message-digest and ESS
 * signing-certificate-v2 (as PAdES B-B asks); there is no signing-time
 * attribute, the time is the dictionary's /M. Room is left in /Contents for an
 * RFC 3161 signature timestamp token (unsigned attribute) later.
 */
import * as asn1js from "asn1js";
import {
  PDFArray,
  PDFContext,
  PDFDict,
  PDFHexString,
  PDFInvalidObject,
  PDFName,
  PDFNumber,
  type PDFObject,
  PDFRef,
  PDFString,
} from "pdf-lib";
import * as pkijs from "pkijs";
import { bytesToHex, bytesToLatin1, latin1ToBytes } from "../domain/encoding";
import { appendIncrement } from "./increment";
import { InflateBudget } from "./inflate";
import {
  OID_CONTENT_TYPE,
  OID_DATA,
  OID_ECDSA_SHA256,
  OID_MESSAGE_DIGEST,
  OID_RSA_ENCRYPTION,
  OID_SHA256,
  OID_SIGNATURE_TIMESTAMP_TOKEN,
  OID_SIGNED_DATA,
  OID_SIGNING_CERTIFICATE_V2,
} from "./oids";
import { ecdsaRawToDer, type SealSigner } from "./seal-signer";
import {
  analyseCrossReference,
  findHeader,
  ObjectReader,
  StructureError,
  trailerId,
} from "./structure";

export type SealInfo = {
  /** /Name: who sealed, e.g. "Pactly". */
  name: string;
  /** /Reason, e.g. "Signed with Pactly; evidence on the last pages". */
  reason: string;
  location?: string;
  contactInfo?: string;
  /** /M. Not a signed attribute: the seal states it, an RFC 3161 timestamp would prove it. */
  signingTime: Date;
};

export type SealOptions = {
  /**
   * PAdES-B-T: called with the CMS signature value once it exists; returns the
   * DER of an RFC 3161 TimeStampToken over SHA-256 of that value (see
   * ./timestamp). It is stored as the unsigned attribute
   * id-aa-signatureTimeStampToken. If it throws, sealing throws: no seal
   * carries a time that no authority signed.
   */
  timestamp?: (signatureValue: Uint8Array) => Promise<Uint8Array>;
};

export class SealError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SealError";
  }
}

/**
 * Bytes reserved in /Contents beyond the certificate chain: signed attributes,
 * a signature of up to RSA-4096 and the CMS framing take about 1.5 KB; the
 * rest is room for an RFC 3161 timestamp token, which with its TSA's
 * certificates is usually 4 to 8 KB.
 */
export const SEAL_CMS_OVERHEAD = 3 * 1024;
export const SEAL_TIMESTAMP_RESERVE = 12 * 1024;

/** Size in bytes of the /Contents placeholder for a chain of chainBytes (twice that in hex digits). */
export function sealContentsSize(chainBytes: number): number {
  return Math.ceil((chainBytes + SEAL_CMS_OVERHEAD + SEAL_TIMESTAMP_RESERVE) / 1024) * 1024;
}

/** Name of the signature field; a number is added when a field of that name exists. */
export const SEAL_FIELD_NAME = "Pactly seal";

/** Width of each number in the /ByteRange placeholder: files up to 9,999,999,999 bytes. */
const BYTE_RANGE_WIDTH = 10;
const MAX_TREE_DEPTH = 64;

/** A PDF text string: literal when plain printable ASCII, else UTF-16BE hex with a byte-order mark. */
function textString(value: string): string {
  if (/^[\x20-\x7e]*$/.test(value) && !/[()\\]/.test(value)) return `(${value})`;
  return PDFHexString.fromText(value).toString();
}

function serialise(object: PDFObject): string {
  const out = new Uint8Array(object.sizeInBytes());
  object.copyBytesInto(out, 0);
  return bytesToLatin1(out);
}

// ---------------------------------------------------------------------------
// Reading a few objects through the cross-reference sections.

/** The reference of the first page, walking down the page tree. */
function firstPage(reader: ObjectReader, catalog: PDFDict): PDFRef {
  let node = catalog.get(PDFName.of("Pages"));
  for (let depth = 0; depth < MAX_TREE_DEPTH; depth++) {
    if (!(node instanceof PDFRef)) throw new SealError("the page tree has a node that is not an indirect object");
    const dict = reader.dict(node, "page tree node");
    const type = dict.get(PDFName.of("Type"));
    const kids = reader.resolve(dict.get(PDFName.of("Kids")));
    if (type === PDFName.of("Page") || !(kids instanceof PDFArray)) return node;
    let next: PDFObject | undefined;
    for (let i = 0; i < kids.size() && next === undefined; i++) {
      const kid = kids.get(i);
      const kidDict = kid instanceof PDFRef ? reader.lookup(kid) : undefined;
      if (!(kidDict instanceof PDFDict)) continue;
      const count = reader.resolve(kidDict.get(PDFName.of("Count")));
      const isEmptyNode = kidDict.get(PDFName.of("Type")) === PDFName.of("Pages") && count instanceof PDFNumber && count.asNumber() === 0;
      if (!isEmptyNode) next = kid;
    }
    if (next === undefined) throw new SealError("the document has no pages");
    node = next;
  }
  throw new SealError("the page tree is too deep");
}

function textOf(object: PDFObject | undefined): string | undefined {
  if (object instanceof PDFString || object instanceof PDFHexString) return object.decodeText();
  return undefined;
}

// ---------------------------------------------------------------------------
// CMS (RFC 5652) SignedData with PAdES B-B signed attributes.

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** ESS signing-certificate-v2 (RFC 5035): the SHA-256 of the signer's certificate and its issuer and serial. */
async function signingCertificateV2(certificateDer: Uint8Array, certificate: pkijs.Certificate): Promise<asn1js.Sequence> {
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", certificateDer));
  const issuerSerial = new asn1js.Sequence({
    value: [
      // GeneralNames: one directoryName [4] (explicit, Name is a CHOICE).
      new asn1js.Sequence({
        value: [new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 4 }, value: [certificate.issuer.toSchema()] })],
      }),
      new asn1js.Integer({ valueHex: certificate.serialNumber.valueBlock.valueHexView.slice() }),
    ],
  });
  // hashAlgorithm is left out: SHA-256 is its DEFAULT.
  const essCertIdV2 = new asn1js.Sequence({ value: [new asn1js.OctetString({ valueHex: hash }), issuerSerial] });
  return new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [essCertIdV2] })] });
}

async function buildCms(
  chain: Uint8Array[],
  digest: Uint8Array,
  signer: SealSigner,
  timestamp: SealOptions["timestamp"],
): Promise<Uint8Array> {
  const certificates = chain.map((der) => pkijs.Certificate.fromBER(der));
  const signerCertificate = certificates[0]!;

  const attributes = [
    new pkijs.Attribute({ type: OID_CONTENT_TYPE, values: [new asn1js.ObjectIdentifier({ value: OID_DATA })] }),
    new pkijs.Attribute({ type: OID_MESSAGE_DIGEST, values: [new asn1js.OctetString({ valueHex: digest })] }),
    new pkijs.Attribute({
      type: OID_SIGNING_CERTIFICATE_V2,
      values: [await signingCertificateV2(chain[0]!, signerCertificate)],
    }),
  ];
  // DER orders a SET OF by encoding. Verifiers that re-encode the attributes
  // before checking the signature (NSS does) then get the same bytes.
  const sorted = attributes
    .map((attribute) => ({ attribute, der: new Uint8Array(attribute.toSchema().toBER(false)) }))
    .sort((a, b) => compareBytes(a.der, b.der))
    .map((x) => x.attribute);
  const signedAttrs = new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes: sorted });
  const toSign = new Uint8Array(signedAttrs.toSchema().toBER(false));
  toSign[0] = 0x31; // signed as a SET, stored as [0] IMPLICIT

  let signature = await signer.sign(toSign);
  const rsa = signer.signatureAlgorithm === "RSASSA-PKCS1-v1_5-SHA256";
  if (!rsa && signature.length === 64 && !isDerEcdsaSignature(signature)) signature = ecdsaRawToDer(signature);

  const signerInfo = new pkijs.SignerInfo({
    version: 1,
    sid: new pkijs.IssuerAndSerialNumber({
      issuer: signerCertificate.issuer,
      serialNumber: signerCertificate.serialNumber,
    }),
    digestAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID_SHA256 }),
    signedAttrs,
    signatureAlgorithm: rsa
      ? new pkijs.AlgorithmIdentifier({ algorithmId: OID_RSA_ENCRYPTION, algorithmParams: new asn1js.Null() })
      : new pkijs.AlgorithmIdentifier({ algorithmId: OID_ECDSA_SHA256 }),
    signature: new asn1js.OctetString({ valueHex: signature }),
  });
  if (timestamp) {
    const token = await timestamp(signature.slice());
    const parsed = asn1js.fromBER(token);
    if (parsed.offset !== token.length || parsed.result.error) throw new SealError("the timestamp token is not DER");
    signerInfo.unsignedAttrs = new pkijs.SignedAndUnsignedAttributes({
      type: 1,
      attributes: [new pkijs.Attribute({ type: OID_SIGNATURE_TIMESTAMP_TOKEN, values: [parsed.result] })],
    });
  }
  const signedData = new pkijs.SignedData({
    version: 1,
    digestAlgorithms: [new pkijs.AlgorithmIdentifier({ algorithmId: OID_SHA256 })],
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: OID_DATA }),
    certificates,
    signerInfos: [signerInfo],
  });
  const contentInfo = new pkijs.ContentInfo({ contentType: OID_SIGNED_DATA, content: signedData.toSchema() });
  return new Uint8Array(contentInfo.toSchema().toBER(false));
}

function isDerEcdsaSignature(bytes: Uint8Array): boolean {
  const parsed = asn1js.fromBER(bytes);
  return (
    parsed.offset === bytes.length &&
    parsed.result instanceof asn1js.Sequence &&
    parsed.result.valueBlock.value.length === 2 &&
    parsed.result.valueBlock.value.every((v) => v instanceof asn1js.Integer)
  );
}

// ---------------------------------------------------------------------------

interface SignatureObject {
  bytes: Uint8Array;
  /** Offsets inside bytes. */
  byteRangeAt: number;
  contentsStart: number; // the "<"
  contentsEnd: number; // just after the ">"
}

function signatureDictionary(info: SealInfo, contentsSize: number): SignatureObject {
  const placeholder = `0 ${"0".padEnd(BYTE_RANGE_WIDTH)} ${"0".padEnd(BYTE_RANGE_WIDTH)} ${"0".padEnd(BYTE_RANGE_WIDTH)}`;
  let text = "<<\n/Type /Sig\n/Filter /Adobe.PPKLite\n/SubFilter /ETSI.CAdES.detached\n/ByteRange [";
  const byteRangeAt = text.length;
  text += `${placeholder}]\n/Contents `;
  const contentsStart = text.length;
  text += `<${"0".repeat(contentsSize * 2)}>`;
  const contentsEnd = text.length;
  text += `\n/M ${PDFString.fromDate(info.signingTime).toString()}`;
  text += `\n/Name ${textString(info.name)}`;
  text += `\n/Reason ${textString(info.reason)}`;
  if (info.location !== undefined) text += `\n/Location ${textString(info.location)}`;
  if (info.contactInfo !== undefined) text += `\n/ContactInfo ${textString(info.contactInfo)}`;
  text += "\n>>";
  return { bytes: latin1ToBytes(text), byteRangeAt, contentsStart, contentsEnd };
}

/** A fresh field name: SEAL_FIELD_NAME, or with " 2", " 3"... when taken. */
function fieldName(reader: ObjectReader, fields: PDFObject[]): string {
  const taken = new Set<string>();
  for (const field of fields) {
    const dict = reader.resolve(field);
    if (dict instanceof PDFDict) {
      const name = textOf(reader.resolve(dict.get(PDFName.of("T"))));
      if (name !== undefined) taken.add(name);
    }
  }
  let name = SEAL_FIELD_NAME;
  for (let n = 2; taken.has(name); n++) name = `${SEAL_FIELD_NAME} ${n}`;
  return name;
}

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

/**
 * Seals bytes (a complete PDF: an original, or the output of buildSignedPdf)
 * with one incremental update. The input is a byte-exact prefix of the output.
 * Throws StructureError for a damaged file and SealError for one that cannot
 * be sealed (encrypted, no pages).
 */
export async function sealPdf(
  bytes: Uint8Array,
  signer: SealSigner,
  info: SealInfo,
  options: SealOptions = {},
): Promise<Uint8Array> {
  const header = findHeader(bytes);
  if (!header) throw new SealError("not a PDF");
  // One pass over the cross-reference sections, kept compact: cost does not grow with what is not read.
  const budget = new InflateBudget();
  const { structure, xref } = await analyseCrossReference(bytes, header, budget);
  if (structure.encrypted) throw new SealError("an encrypted PDF cannot be sealed");
  if (Number.isNaN(info.signingTime.getTime())) throw new SealError("signingTime is not a valid date");

  const context = PDFContext.create();
  const reader = new ObjectReader(bytes, structure.base, xref, context, budget);
  const rootRef = structure.trailer.get(PDFName.of("Root"));
  if (!(rootRef instanceof PDFRef)) throw new StructureError("trailer has no /Root");
  const catalog = reader.dict(rootRef, "catalog");
  const pageRef = firstPage(reader, catalog);
  const page = reader.dict(pageRef, "first page");

  const chain = await signer.certificateChain();
  if (chain.length === 0) throw new SealError("the seal signer has no certificate");
  const contentsSize = sealContentsSize(chain.reduce((n, der) => n + der.length, 0));

  // Existing form fields and annotations are kept as they are.
  const acroFormEntry = catalog.get(PDFName.of("AcroForm"));
  const acroFormObject = reader.resolve(acroFormEntry);
  const acroForm = acroFormObject instanceof PDFDict ? acroFormObject : context.obj({});
  const oldFields = reader.resolve(acroForm.get(PDFName.of("Fields")));
  const fields = oldFields instanceof PDFArray ? oldFields.asArray() : [];
  const oldAnnots = reader.resolve(page.get(PDFName.of("Annots")));
  const annots = oldAnnots instanceof PDFArray ? oldAnnots.asArray() : [];

  // New objects take numbers above every one in use (some writers, pdfunite
  // among them, put a /Size below their highest object number); the signature
  // dictionary the last, so it is written last and little follows /Contents.
  let next = Math.max(structure.size, xref.highest + 1);
  const widgetRef = PDFRef.of(next++);
  const formIsIndirect = acroFormEntry instanceof PDFRef && acroFormObject instanceof PDFDict;
  const formIsDirect = !(acroFormEntry instanceof PDFRef) && acroFormObject instanceof PDFDict;
  const newAcroFormRef = formIsIndirect || formIsDirect ? undefined : PDFRef.of(next++);
  const signatureRef = PDFRef.of(next++);

  const widget = context.obj({
    Type: "Annot",
    Subtype: "Widget",
    FT: "Sig",
    T: PDFString.of(escapeLiteral(fieldName(reader, fields))),
    V: signatureRef,
    F: 132, // Print + Locked
    Rect: [0, 0, 0, 0],
    P: pageRef,
  });

  const newFields = PDFArray.withContext(context);
  for (const field of fields) newFields.push(field);
  newFields.push(widgetRef);
  acroForm.set(PDFName.of("Fields"), newFields);
  acroForm.set(PDFName.of("SigFlags"), PDFNumber.of(3)); // SignaturesExist | AppendOnly

  const newAnnots = PDFArray.withContext(context);
  for (const annot of annots) newAnnots.push(annot);
  newAnnots.push(widgetRef);
  page.set(PDFName.of("Annots"), newAnnots);

  const signature = signatureDictionary(info, contentsSize);
  const objects: Array<[PDFRef, PDFObject]> = [
    [pageRef, page],
    [widgetRef, widget],
    [signatureRef, PDFInvalidObject.of(signature.bytes)],
  ];
  if (formIsIndirect) {
    objects.push([acroFormEntry as PDFRef, acroForm]); // the catalog stays as it is
  } else if (formIsDirect) {
    objects.push([rootRef, catalog]); // a direct /AcroForm: the catalog holds the changed form
  } else if (newAcroFormRef) {
    catalog.set(PDFName.of("AcroForm"), newAcroFormRef);
    objects.push([newAcroFormRef, acroForm], [rootRef, catalog]);
  }
  if (objects.some(([ref], i) => objects.findIndex(([other]) => other === ref) !== i)) {
    throw new SealError("the page, catalog and form are not distinct objects");
  }

  // /ID: the permanent part stays; the changing part marks this revision.
  const oldId = trailerId(structure.trailer);
  const permanent = oldId?.get(0);
  const revisionSeed = latin1ToBytes(
    `${permanent instanceof PDFHexString || permanent instanceof PDFString ? permanent.toString() : ""}|${bytes.length}|${info.signingTime.toISOString()}`,
  );
  const revision = bytesToHex((await sha256(revisionSeed)).subarray(0, 16)).toUpperCase();
  const id = PDFArray.withContext(context);
  id.push(permanent instanceof PDFHexString || permanent instanceof PDFString ? permanent : PDFHexString.of(revision));
  id.push(PDFHexString.of(revision));
  const infoRef = structure.trailer.get(PDFName.of("Info"));

  const positions = new Map<number, number>();
  const out = appendIncrement(
    bytes,
    structure,
    context,
    objects,
    { root: rootRef, info: infoRef instanceof PDFRef ? infoRef : undefined, id },
    positions,
  );

  // Where the signature dictionary landed.
  const objectAt = positions.get(signatureRef.objectNumber);
  if (objectAt === undefined) throw new SealError("the signature dictionary was not written");
  const dictAt = objectAt + `${signatureRef.objectNumber} 0 obj\n`.length;
  const a = dictAt + signature.contentsStart; // first byte not covered: "<"
  const b = dictAt + signature.contentsEnd; // first byte covered again, after ">"
  const byteRange = [0, a, b, out.length - b];
  if (out.length > 10 ** BYTE_RANGE_WIDTH - 1) throw new SealError("the file is too large to seal");
  const rangeText = byteRange.map((n, i) => (i === 0 ? String(n) : String(n).padEnd(BYTE_RANGE_WIDTH))).join(" ");
  out.set(latin1ToBytes(rangeText), dictAt + signature.byteRangeAt);

  const digest = await coveredDigest(out, a, b);
  const cms = await buildCms(chain, digest, signer, options.timestamp);
  if (cms.length > contentsSize) {
    throw new SealError(`the signature (${cms.length} bytes) does not fit the ${contentsSize}-byte placeholder`);
  }
  out.set(latin1ToBytes(bytesToHex(cms)), a + 1);
  return out;
}

/** Escapes a literal string's delimiters. */
function escapeLiteral(value: string): string {
  return value.replace(/[\\()]/g, (c) => `\\${c}`);
}

/**
 * SHA-256 of out[0, a) followed by out[b, end), without copying the document:
 * the few bytes after the placeholder move into it for the hash, and the
 * placeholder is restored afterwards.
 */
async function coveredDigest(out: Uint8Array, a: number, b: number): Promise<Uint8Array> {
  const tail = out.length - b;
  if (tail > b - a) {
    const covered = new Uint8Array(a + tail);
    covered.set(out.subarray(0, a), 0);
    covered.set(out.subarray(b), a);
    return sha256(covered);
  }
  out.copyWithin(a, b, out.length);
  try {
    return await sha256(out.subarray(0, a + tail));
  } finally {
    out[a] = 0x3c; // "<"
    out.fill(0x30, a + 1, b - 1); // "0"
    out[b - 1] = 0x3e; // ">"
  }
}
