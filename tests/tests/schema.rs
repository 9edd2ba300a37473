//! `schema.graphql` is generated from the code and describes everything.

use serde_json::json;
use tests::spawn_app;

#[test]
fn schema_file_matches_the_code() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema.graphql");
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    let generated = alliance_api::schema::sdl();
    assert!(
        on_disk == generated,
        "schema.graphql is out of date: run `cargo run -p alliance-api -- schema > schema.graphql`"
    );
}

#[tokio::test]
async fn every_type_field_argument_and_enum_value_has_a_description() {
    let app = spawn_app("sqlite", false).await;
    let data = app
        .data(
            "{ __schema { types { name kind description fields { name description args { name description } }
               inputFields { name description } enumValues { name description } } } }",
            json!({}),
        )
        .await;
    let mut missing = Vec::new();
    let blank = |v: &serde_json::Value| v.as_str().is_none_or(|s| s.trim().is_empty());
    for t in data["__schema"]["types"].as_array().expect("types") {
        let name = t["name"].as_str().unwrap_or_default();
        // `__` types are introspection's; `_` types and fields are defined by
        // the Apollo Federation specification, which describes them.
        if name.starts_with('_') || ["String", "Int", "Float", "Boolean", "ID"].contains(&name) {
            continue;
        }
        if blank(&t["description"]) {
            missing.push(name.to_owned());
        }
        for f in t["fields"].as_array().into_iter().flatten() {
            if f["name"].as_str().is_some_and(|n| n.starts_with('_')) {
                continue;
            }
            if blank(&f["description"]) {
                missing.push(format!("{name}.{}", f["name"]));
            }
            for a in f["args"].as_array().into_iter().flatten() {
                if blank(&a["description"]) {
                    missing.push(format!("{name}.{}({})", f["name"], a["name"]));
                }
            }
        }
        for key in ["inputFields", "enumValues"] {
            for f in t[key].as_array().into_iter().flatten() {
                if blank(&f["description"]) {
                    missing.push(format!("{name}.{}", f["name"]));
                }
            }
        }
    }
    assert!(missing.is_empty(), "undescribed: {missing:#?}");
    app.finish().await;
}
