// wrangler.toml bundles *.ttf as "Data" modules: the default export is the file's bytes.
declare module "*.ttf" {
  const data: ArrayBuffer;
  export default data;
}
