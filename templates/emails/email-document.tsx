/**
 * One accessible HTML email: semantic, table-free, with the language set, inline styles only
 * (many mail clients drop <style>), no images and no tracking. The primary link is a real
 * link with visible text, and its address is repeated as text for clients that break buttons.
 */
import { raw } from "hono/html";
import type { Locale } from "../../src/i18n";

export type EmailBlock = { kind: "text"; lines: string[] } | { kind: "emphasis"; text: string } | { kind: "action"; label: string; url: string };

const fonts = "-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";

export function EmailDocument({ lang, subject, blocks, fallback, footer }: { lang: Locale; subject: string; blocks: EmailBlock[]; fallback: string; footer: string }) {
  return (
    <>
      {raw("<!DOCTYPE html>")}
      <html lang={lang} dir="ltr">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="color-scheme" content="light" />
          <title>{subject}</title>
        </head>
        <body style="margin:0;padding:0;background:#ffffff;color:#0b0c0c">
          {/* Webmail drops <html> and <head>: the wrapper repeats the language and names the region (the pattern of email-accessibility guides). */}
          <div role="article" aria-roledescription="email" aria-label={subject} lang={lang} dir="ltr" style={`max-width:36em;margin:0 auto;padding:24px 16px;font-family:${fonts};font-size:16px;line-height:1.5`}>
            {blocks.map((block) => {
              if (block.kind === "action") {
                return (
                  <>
                    <p style="margin:24px 0">
                      <a href={block.url} style="display:inline-block;padding:12px 20px;background:#00703c;color:#ffffff;font-weight:bold;text-decoration:underline;border-radius:2px">
                        {block.label}
                      </a>
                    </p>
                    <p style="font-size:14px;color:#505a5f;word-break:break-all">
                      {fallback}
                      <br />
                      <a href={block.url} style="color:#1d70b8">{block.url}</a>
                    </p>
                  </>
                );
              }
              // A one-time code: large, spaced, and still plain text a screen reader reads digit by digit.
              if (block.kind === "emphasis") return <p style="font-size:28px;font-weight:bold;letter-spacing:0.2em;margin:16px 0">{block.text}</p>;
              return <p style="margin:0 0 16px">{block.lines.map((line, i) => (i === 0 ? line : <><br />{line}</>))}</p>;
            })}
            <hr style="border:0;border-top:1px solid #b1b4b6;margin:32px 0 16px" />
            <footer>
              <p style="font-size:14px;color:#505a5f;margin:0">{footer}</p>
            </footer>
          </div>
        </body>
      </html>
    </>
  );
}
