/** A PDF download. Security headers are added by the middleware (frame-ancestors 'self' for PDFs). */
export function pdfResponse(doc: { bytes: Uint8Array; filename: string }, disposition: "inline" | "attachment"): Response {
  const ascii = doc.filename.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_");
  return new Response(doc.bytes, {
    headers: {
      "Content-Type": "application/pdf",
      "Content-Length": String(doc.bytes.length),
      "Content-Disposition": `${disposition}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(doc.filename)}`,
      "Cache-Control": "private, no-store",
    },
  });
}
