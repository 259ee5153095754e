/**
 * An agreement as semantic HTML: a heading for the title and for every numbered
 * section, parties as description lists, key facts as a table with row headers,
 * duties as lists, the sender's own paragraphs as paragraphs. Screen reader users
 * can move by heading (NVDA/VoiceOver "H") and read the table cell by cell.
 *
 * The fragment carries its own `lang`, so an agreement written in Norwegian is
 * read with Norwegian pronunciation on an English page. Every answer is text
 * content, escaped by hono/jsx; nothing the sender typed becomes markup.
 *
 * `renderAgreementHtml` gives the exact string that signers read and whose
 * SHA-256 is recorded on the envelope, so its output must not depend on anything
 * but the document (no ids from counters, no dates, no page language).
 */
import type { Child } from "hono/jsx";
import { type AgreementDocument, blanksOf, type Inline, numberedHeadings, type Party, type Block as DocBlock } from "../../src/agreements/document";

type BlankLabel = (field: string) => string;

function Text({ text, blank }: { text: Inline[]; blank?: BlankLabel | undefined }) {
  return (
    <>
      {text.map((part) =>
        typeof part === "string" ? part : <mark class="agreement-blank">[{blank ? blank(part.blank) : part.blank}]</mark>,
      )}
    </>
  );
}

function Lines({ lines }: { lines: string[] }) {
  const out: Child[] = [];
  lines.forEach((line, i) => {
    if (i > 0) out.push(<br />);
    out.push(line);
  });
  return <>{out}</>;
}

function Block({ block, blank }: { block: DocBlock; blank?: BlankLabel | undefined }) {
  switch (block.kind) {
    case "paragraph":
      return <p><Text text={block.text} blank={blank} /></p>;
    case "list":
      return <ul>{block.items.map((item) => <li><Text text={item} blank={blank} /></li>)}</ul>;
    case "table":
      return (
        <table class="agreement-table">
          <caption>{block.caption}</caption>
          <tbody>
            {block.rows.map((row) => (
              <tr>
                <th scope="row">{row.label}</th>
                <td><Text text={row.value} blank={blank} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      );
    case "freeText":
      return (
        <div class="agreement-own-words">
          {block.paragraphs.map((lines) => <p><Lines lines={lines} /></p>)}
        </div>
      );
  }
}

function PartyDetails({ party, blank }: { party: Party; blank?: BlankLabel | undefined }) {
  return (
    <div class="agreement-party">
      <h4>{party.role}</h4>
      <p class="agreement-party-name"><Text text={party.name} blank={blank} /></p>
      <dl>
        {party.rows.map((row) => (
          <div>
            <dt>{row.label}</dt>
            <dd><Text text={row.value} blank={blank} /></dd>
          </div>
        ))}
      </dl>
    </div>
  );
}

/** The agreement; `blank` names missing answers in a preview (in the sender's language). */
export function AgreementArticle({ doc, blank }: { doc: AgreementDocument; blank?: BlankLabel }) {
  const headings = numberedHeadings(doc);
  return (
    <article class="agreement" lang={doc.locale} aria-labelledby="agreement-title">
      <h2 id="agreement-title">{doc.title}</h2>
      <p class="agreement-intro"><Text text={doc.intro} blank={blank} /></p>
      <section aria-labelledby="agreement-s1">
        <h3 id="agreement-s1">{headings.parties}</h3>
        <div class="agreement-parties">
          {doc.parties.map((party) => <PartyDetails party={party} blank={blank} />)}
        </div>
      </section>
      {doc.sections.map((section, i) => (
        <section aria-labelledby={`agreement-s${i + 2}`}>
          <h3 id={`agreement-s${i + 2}`}>{headings.sections[i]}</h3>
          {section.blocks.map((block) => <Block block={block} blank={blank} />)}
        </section>
      ))}
      <section aria-labelledby="agreement-signatures">
        <h3 id="agreement-signatures">{headings.signatures}</h3>
        <p>{doc.signatures.text}</p>
        <ul class="agreement-signatures">
          {doc.parties.map((party) => (
            <li>
              <span class="agreement-signature-role">{party.role}</span> <strong><Text text={party.name} blank={blank} /></strong>
            </li>
          ))}
        </ul>
      </section>
      <p class="agreement-note">{doc.note}</p>
    </article>
  );
}

/** The HTML fragment signers read. Only complete agreements (no blanks) have one. */
export function renderAgreementHtml(doc: AgreementDocument): string {
  const blanks = blanksOf(doc);
  if (blanks.length > 0) throw new Error(`An agreement with blanks cannot be rendered for signing: ${blanks.join(", ")}`);
  const html = (<AgreementArticle doc={doc} />).toString();
  if (typeof html !== "string") throw new Error("The agreement rendered asynchronously");
  return html;
}
