//! Every write the service commits moves the process's count of ended
//! writes before it answers, whichever way it is written (a transaction of
//! the audit trail's writer, or a create's one statement): kept answers
//! (`kept_answers.rs`) trust it to tell them that their data may have
//! changed. One test alone in its binary, so that no other test's writes
//! move the count meanwhile.

use alliance_api::audit::commits;
use alliance_api::auth::Role;
use serde_json::json;
use tests::spawn_apps;

#[tokio::test]
async fn every_committed_write_moves_the_count_before_it_answers() {
    for app in spawn_apps(true).await {
        let token = app.token(Role::Coordinator, None);
        let before = commits();
        let project = app.create_draft(&token, "UA-KHA-2026-950", "Counted").await;
        assert_eq!(commits(), before + 1, "[{}] a create", app.backend);

        let (_, read) = app
            .graphql_as(
                Some(&token),
                "query($id: ID!) { node(id: $id) { ... on Project { version } } }",
                json!({ "id": project }),
            )
            .await;
        assert_eq!(
            commits(),
            before + 1,
            "[{}] a read writes nothing",
            app.backend
        );

        let (_, body) = app
            .graphql_as(
                Some(&token),
                "mutation($i: UpdateProjectInput!) { updateProject(input: $i) { userErrors { message } } }",
                json!({ "i": {
                    "id": project,
                    "expectedVersion": read["data"]["node"]["version"],
                    "titles": { "en": "Counted again", "uk": "Пораховано" },
                } }),
            )
            .await;
        assert_eq!(
            body["data"]["updateProject"]["userErrors"],
            json!([]),
            "[{}] {body}",
            app.backend
        );
        assert_eq!(commits(), before + 2, "[{}] an update", app.backend);
        app.finish().await;
    }
}
