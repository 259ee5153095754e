/**
 * The certificate's fonts: DejaVu Sans regular and bold (free licence, covers
 * Latin, Greek and Cyrillic). Bundled as Data modules (wrangler.toml rule for
 * *.ttf), about 1.4 MB of the Worker bundle together.
 */
import bold from "dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf";
import regular from "dejavu-fonts-ttf/ttf/DejaVuSans.ttf";

// Some bundlers hand over a Uint8Array rather than an ArrayBuffer; accept both.
const bytes = (data: ArrayBuffer | Uint8Array): Uint8Array =>
  data instanceof Uint8Array ? data : new Uint8Array(data);

export const certificateFonts = {
  regular: () => bytes(regular),
  bold: () => bytes(bold),
};
