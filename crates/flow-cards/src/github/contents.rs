//! What `github.create_file_content` and `github.update_file_content` share: their inputs,
//! the request (`PUT /repos/{owner}/{repo}/contents/{path}` with the content base64-encoded)
//! and the output (Okta's File Name, File Path, Content SHA and HTML URL).

use super::GitHub;
use crate::connector::ConnectorLive;
use crate::connector::action::{Answer, error_of, segments};
use crate::util::STRICT;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use flow_card::kinds::Text;
use flow_card::{CardError, ConnRef, ErrorKind, Expr, HttpResponse, StepCx};
use flow_model::Type;
use percent_encoding::utf8_percent_encode;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

/// Inputs of the two cards, named after Okta's (`parameters/repo`, `File/Path`,
/// `File/Message`, `File/File Content`, `File/Branch Name`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The GitHub connection.
    pub connection: ConnRef<GitHub>,
    /// The repository's full name, `owner/name`.
    pub repo: Expr<Text>,
    /// The file's path in the repository (`flows/offboarding.yaml`).
    pub path: Expr<Text>,
    /// The commit message.
    pub message: Expr<Text>,
    /// The file's content, as text (sent base64-encoded).
    pub file_content: Expr<Text>,
    /// The branch to commit to (the repository's default branch when absent or empty).
    #[serde(default)]
    pub branch_name: Option<Expr<Text>>,
    /// Okta's Organization choice (`-- Not In Org --` or an organization); not sent: `repo`
    /// names the owner.
    #[serde(default)]
    #[allow(dead_code)]
    pub org: Option<Expr<Text>>,
    /// Okta's Branch choice (`Use Default Branch` or `Provide Branch`); not sent: a
    /// `branch_name` given is the branch.
    #[serde(default)]
    #[allow(dead_code)]
    pub branch_field: Option<Expr<Text>>,
}

/// The output type of both cards.
pub fn output_type() -> Type {
    Type::object([
        ("file_name", Type::Text),
        ("file_path", Type::Text),
        ("content_sha", Type::Text),
        ("html_url", Type::Text),
        ("commit_sha", Type::Text),
    ])
}

/// The output's description, for the specs.
pub const OUTPUT: &str = "{ file_name, file_path, content_sha, html_url, commit_sha }";

/// Writes the file; with `update`, reads its blob SHA first (GitHub requires it to replace a
/// file), so a file that does not exist fails `not_found`. Without `update`, a file that
/// exists fails with GitHub's 422.
pub async fn put(cfg: &Config, cx: &StepCx<'_>, update: bool) -> Result<Value, CardError> {
    let live = cx.connection::<ConnectorLive, _>(&cfg.connection)?;
    let repo_text = cx.text(&cfg.repo)?.into_owned();
    let path_text = cx.text(&cfg.path)?.into_owned();
    let repo = segments("repo", &Value::String(repo_text.clone()))?;
    if repo.split('/').count() != 2 {
        return Err(CardError::input(format!(
            "`repo` must be the repository's full name, `owner/name`, not `{repo_text}`"
        )));
    }
    let path = segments("path", &Value::String(path_text.clone()))?;
    let branch = match &cfg.branch_name {
        Some(e) => Some(cx.text(e)?.trim().to_string()).filter(|b| !b.is_empty()),
        None => None,
    };
    let url = format!("{}/repos/{repo}/contents/{path}", live.base);
    let inputs = json!({ "repo": repo_text, "path": path_text, "branch_name": branch });
    let sha = if update {
        let read = match &branch {
            Some(b) => format!("{url}?ref={}", utf8_percent_encode(b, STRICT)),
            None => url.clone(),
        };
        let req = live.request("GET", read, cx.attempt);
        let resp = live
            .send(cx, req, |_| {
                HttpResponse::json(200, &json!({ "type": "file", "sha": "rehearsal" }))
            })
            .await?;
        let answer = Answer::of(&resp);
        if !resp.is_success() {
            let mut e = error_of(
                live.connector,
                None,
                &resp,
                &answer.scope(&live.settings, &inputs),
            );
            if resp.status == 404 {
                e.message = format!(
                    "{repo_text} has no file `{path_text}` to update (or the token cannot see it); {}",
                    e.message
                );
            }
            return Err(e);
        }
        match (answer.body.get("type"), answer.body.get("sha")) {
            (Some(Value::String(t)), Some(Value::String(sha))) if t == "file" => Some(sha.clone()),
            _ => {
                return Err(CardError::new(
                    ErrorKind::Input,
                    format!("`{path_text}` in {repo_text} is not a file (a directory?)"),
                ));
            }
        }
    } else {
        None
    };
    let content = cx.text(&cfg.file_content)?;
    let mut body = json!({
        "message": cx.text(&cfg.message)?,
        "content": STANDARD.encode(content.as_bytes()),
    });
    if let Some(b) = &branch {
        body["branch"] = json!(b);
    }
    if let Some(s) = &sha {
        body["sha"] = json!(s);
    }
    let req = live.request("PUT", url, cx.attempt).json(&body);
    let rehearsal = json!({
        "content": {
            "name": path_text.rsplit('/').next().unwrap_or_default(),
            "path": path_text,
            "sha": "rehearsal",
            "html_url": format!("https://github.com/{repo_text}/blob/{}/{path_text}", branch.as_deref().unwrap_or("main")),
        },
        "commit": { "sha": "rehearsal" },
    });
    let resp = live
        .send(cx, req, |_| {
            HttpResponse::json(if update { 200 } else { 201 }, &rehearsal)
        })
        .await?;
    let answer = Answer::of(&resp);
    if !resp.is_success() {
        return Err(error_of(
            live.connector,
            None,
            &resp,
            &answer.scope(&live.settings, &inputs),
        ));
    }
    Ok(output(&answer.body))
}

/// The output from GitHub's answer (`{ content: { name, path, sha, html_url }, commit }`).
fn output(body: &Value) -> Value {
    let field = |a: &str, b: &str| {
        body.get(a)
            .and_then(|v| v.get(b))
            .cloned()
            .unwrap_or(Value::Null)
    };
    json!({
        "file_name": field("content", "name"),
        "file_path": field("content", "path"),
        "content_sha": field("content", "sha"),
        "html_url": field("content", "html_url"),
        "commit_sha": field("commit", "sha"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_output_reads_githubs_answer() {
        let body = json!({
            "content": { "name": "a.yaml", "path": "flows/a.yaml", "sha": "95b9", "html_url": "https://github.com/o/r/blob/main/flows/a.yaml" },
            "commit": { "sha": "7638" }
        });
        assert_eq!(
            output(&body),
            json!({ "file_name": "a.yaml", "file_path": "flows/a.yaml", "content_sha": "95b9", "html_url": "https://github.com/o/r/blob/main/flows/a.yaml", "commit_sha": "7638" })
        );
        assert_eq!(output(&json!(null))["commit_sha"], Value::Null);
    }
}
