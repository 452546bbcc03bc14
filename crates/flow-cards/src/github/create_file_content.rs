//! `github.create_file_content`: commit a new file to a repository (`PUT
//! /repos/{owner}/{repo}/contents/{path}`, the text sent base64-encoded).

use super::contents::{Config, OUTPUT, output_type, put};
use crate::util::CONNECTOR_TIMEOUT;
use flow_card::card::schema_of;
use flow_card::{Card, CardDoc, CardFuture, CardSpec, Checker, Effect, Example, Outcome, StepCx};
use flow_model::Type;

/// The card: the shared inputs.
#[derive(Debug)]
pub struct CreateFileContent(Config);

/// Registration.
pub static SPEC: CardSpec = CardSpec {
    kind: "github.create_file_content",
    summary: "Commit a new text file to a repository, on a branch or the default one",
    effect: Effect::Writes,
    output: OUTPUT,
    default_timeout: CONNECTOR_TIMEOUT,
    default_attempts: 1,
    trigger: None,
    schema: schema_of::<Config>,
    build: |cx| Some(Box::new(CreateFileContent(cx.config::<Config>()?))),
};

/// Documentation and examples (each runs as a test).
pub static DOC: CardDoc = CardDoc {
    description: r#"Commits a new file with GitHub's `PUT /repos/{owner}/{repo}/contents/{path}`: `repo` is the
repository's full name, `owner/name` (as Okta's Repository choice holds it), `path` the
file's path (`flows/offboarding.yaml`; each segment is encoded, none may be empty, `.` or
`..`), `file_content` the file's text (sent base64-encoded), `message` the commit message,
`branch_name` the branch (the default branch when absent). A file that exists already fails
with GitHub's 422 (`sha` wasn't supplied): use `github.update_file_content`. Output:
`{ file_name, file_path, content_sha, html_url, commit_sha }` (Okta's File Name, File Path,
Content SHA, HTML URL). `org` and `branch_field` take Okta's Organization and Branch choices
and are not sent. One attempt by default: a retried commit could fail as "exists"."#,
    okta: &["GitHub - Create File Content"],
    examples: &[
        Example::gives(
            "A dry run",
            r#"{ connection: github, repo: octocat/flows, path: flows/offboarding.yaml, message: Export offboarding, file_content: "flow: offboarding\n" }"#,
            r#"{"file_name": "offboarding.yaml", "file_path": "flows/offboarding.yaml", "content_sha": "rehearsal", "html_url": "https://github.com/octocat/flows/blob/main/flows/offboarding.yaml", "commit_sha": "rehearsal"}"#,
        ),
        Example::fails(
            "A path that climbs out",
            r#"{ connection: github, repo: octocat/flows, path: "flows/../../x", message: m, file_content: x }"#,
            "is not a valid `path`",
        ),
        Example::fails(
            "A repository without its owner",
            r#"{ connection: github, repo: flows, path: a.txt, message: m, file_content: x }"#,
            "`repo` must be the repository's full name",
        ),
    ],
};

impl Card for CreateFileContent {
    fn check(&self, _: &mut dyn Checker) -> Type {
        output_type()
    }

    fn run<'a>(&'a self, cx: &'a StepCx<'a>) -> CardFuture<'a> {
        Box::pin(async move { Ok(Outcome::value(put(&self.0, cx, false).await?)) })
    }
}
