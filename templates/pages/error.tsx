import { Layout } from "../layout";
import type { View } from "../view";

/** Error pages say what happened and what to do next, never anything internal. */
export function ErrorPage({ view, title, body }: { view: View; title: string; body: string }) {
  return (
    <Layout view={view} title={title}>
      <h1>{title}</h1>
      <p>{body}</p>
      <p><a href="/">{view.t("error.back")}</a></p>
    </Layout>
  );
}
