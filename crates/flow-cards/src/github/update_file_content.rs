//! `github.update_file_content`: replace a file in a repository (its blob SHA read first, then
//! `PUT /repos/{owner}/{repo}/contents/{path}` with the text base64-encoded).

use super::contents::{Config, OUTPUT, output_type, put};
use crate::util::CONNECTOR_TIMEOUT;
use flow_card::card::schema_of;
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Effect, Example, Outcome, StepCx};
use flow_model::Type;

/// The card: the shared inputs.
#[derive(Debug)]
pub struct UpdateFileContent(Config);

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "github.update_file_content",
    summary: "Commit a new version of a file in a repository (its current SHA read first)",
    effect: Effect::Writes,
    output: OUTPUT,
    default_timeout: CONNECTOR_TIMEOUT,
    default_attempts: 1,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| Some(Box::new(UpdateFileContent(cx.config::<Config>()?))),
};

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Replaces a file as Okta's Update File Content does: reads the file
(`GET /repos/{owner}/{repo}/contents/{path}?ref=<branch_name>`) for its blob SHA, which GitHub
requires, then commits the new text with `PUT /repos/{owner}/{repo}/contents/{path}` (the
text base64-encoded, the SHA, `message`, `branch_name`; the default branch when absent).
`repo` is `owner/name`; `path` the file's path (`flows/offboarding.yaml`). A file that does
not exist fails `not_found` (use `github.create_file_content`); a path that is a directory
fails as input. Output: `{ file_name, file_path, content_sha, html_url, commit_sha }` (Okta's
File Name, File Path, Content SHA, HTML URL). `org` and `branch_field` take Okta's
Organization and Branch choices and are not sent. One attempt by default: a file changed by
someone else between the read and the write fails with GitHub's 409."#,
    okta: &["GitHub - Update File Content"],
    examples: &[
        Example::gives(
            "A dry run on a branch",
            r#"{ connection: github, repo: octocat/flows, path: flows/offboarding.yaml, message: Export offboarding, file_content: "flow: offboarding\n", branch_name: flows/2026-01-05 }"#,
            r#"{"file_name": "offboarding.yaml", "file_path": "flows/offboarding.yaml", "content_sha": "rehearsal", "html_url": "https://github.com/octocat/flows/blob/flows/2026-01-05/flows/offboarding.yaml", "commit_sha": "rehearsal"}"#,
        ),
        Example::fails(
            "A path with an empty segment",
            r#"{ connection: github, repo: octocat/flows, path: "flows//a.yaml", message: m, file_content: x }"#,
            "is not a valid `path`",
        ),
    ],
};

impl Card for UpdateFileContent {
    fn check(&self, _: &mut dyn Checker) -> Type {
        output_type()
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        Box::pin(async move { Ok(Outcome::value(put(&self.0, cx, true).await?)) })
    }
}
