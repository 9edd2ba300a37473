//! The service as an Apollo Federation v2 subgraph: `Project` and `Member`
//! are entities keyed by id, resolved in batches with visibility applied.

use alliance_api::auth::Role;
use serde_json::json;
use tests::spawn_apps;

const ENTITIES: &str = r#"query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    __typename
    ... on Project { code visibility }
    ... on Member { slug }
  }
}"#;

#[tokio::test]
async fn a_router_resolves_projects_and_members_by_id_with_visibility_applied() {
    for app in spawn_apps(true).await {
        let coordinator = app.token(Role::Coordinator, None);
        let (_, body) = app
            .graphql_as(
                Some(&coordinator),
                r#"{ published: projects(first: 1, filter: {visibilities: [PUBLISHED]}) { nodes { id code } }
                     drafts: projects(first: 1, filter: {visibilities: [DRAFT]}) { nodes { id } }
                     member(slug: "kharkiv") { id } }"#,
                json!({}),
            )
            .await;
        let published = body["data"]["published"]["nodes"][0].clone();
        let draft = body["data"]["drafts"]["nodes"][0]["id"].clone();
        assert!(
            draft.is_string(),
            "[{}] the demo data has a draft: {body}",
            app.backend
        );
        let member = body["data"]["member"]["id"].clone();
        let representations = json!([
            { "__typename": "Project", "id": published["id"] },
            { "__typename": "Member", "id": member },
            { "__typename": "Project", "id": draft },
        ]);
        let body = app
            .data(ENTITIES, json!({ "representations": representations }))
            .await;
        assert_eq!(
            body["_entities"],
            json!([
                { "__typename": "Project", "code": published["code"], "visibility": "PUBLISHED" },
                { "__typename": "Member", "slug": "kharkiv" },
                null
            ]),
            "an anonymous router request does not see the draft"
        );
        let body = app.data("{ _service { sdl } }", json!({})).await;
        let sdl = body["_service"]["sdl"].as_str().unwrap_or_default();
        assert!(sdl.contains("extend schema @link("), "{sdl}");
        assert!(sdl.contains("https://specs.apollo.dev/federation/v2"));
        assert!(sdl.contains("type Project implements Node @key(fields: \"id\")"));
        assert!(sdl.contains("type Member implements Node @key(fields: \"id\")"));
        app.finish().await;
    }
}
