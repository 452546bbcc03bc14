//! `openai.*` against its recorded shapes.

use super::*;

const CONN: &str = "{ kind: openai, base_url: \"${env:BASE}\", api_key: \"${env:SECRET}\" }";

async fn openai() -> RecordedFake {
    fake("openai", "authorization", &bearer()).await
}

/// A chat completion sends the conversation and only the sampling settings given, and answers
/// with Okta's `choices` shape, the first choice's text and OpenAI's raw answer.
#[tokio::test]
async fn chat_completion_in_okta_shape_and_raw() {
    let f = openai().await;
    let steps = "  - id: ask
    card: openai.create_chat_completion
    with:
      connection: c
      model: gpt-4o-mini
      messages: [{ role: system, content: Answer in one sentence. }, { role: user, content: What is the capital of France? }]
      temperature: 0.5
      stop: \"\"
";
    let r = ok(&f, "", CONN, steps).await;
    let o = out(&r, "ask");
    assert_eq!(o["content"], "Paris is the capital of France.");
    assert_eq!(
        o["choices"],
        json!([{ "Index": 0, "Message": { "Role": "assistant", "Content": "Paris is the capital of France." }, "Finish Reason": "stop" }])
    );
    assert_eq!(o["usage"]["total_tokens"], 27);
    assert_eq!(
        o["raw_output"]["choices"][0]["message"]["role"],
        "assistant"
    );
    let q = req(&f, 0);
    assert_req(&q, "POST", "/chat/completions", None);
    assert_eq!(
        body(&q),
        json!({
            "model": "gpt-4o-mini",
            "messages": [
                { "role": "system", "content": "Answer in one sentence." },
                { "role": "user", "content": "What is the capital of France?" }
            ],
            "temperature": 0.5
        }),
        "an empty stop and the settings not given are left out"
    );
}

/// OpenAI's error object becomes the card error, with its code; the Custom API Action reaches
/// the other endpoints.
#[tokio::test]
async fn errors_and_custom_api_action() {
    let f = openai().await;
    let r = run(
        &f,
        "",
        CONN,
        "  - { id: ask, card: openai.create_chat_completion, with: { connection: c, model: gpt-nope, messages: [{ role: user, content: Hi }] } }\n",
    )
    .await;
    let e = err(&r, "ask");
    assert_eq!(e["kind"], "not_found");
    assert_eq!(e["code"], "model_not_found");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("OpenAI answered 404 model_not_found: The model `gpt-nope` does not exist"),
        "{e}"
    );
    let r = ok(
        &f,
        "",
        CONN,
        "  - { id: img, card: openai.api_request, with: { connection: c, method: POST, path: /images/generations, body: { prompt: a lighthouse, n: 1, size: 1024x1024 } } }\n",
    )
    .await;
    assert_eq!(out(&r, "img")["status"], 200);
    assert!(
        out(&r, "img")["body"]["data"][0]["url"]
            .as_str()
            .unwrap()
            .ends_with(".png")
    );
}
