//! A graphql-transport-ws client for the tests of `/graphql/ws`.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long a test waits for a message before it fails.
pub const WAIT: Duration = Duration::from_secs(10);

/// What the server sent.
#[derive(Debug, PartialEq)]
pub enum Incoming {
    /// A protocol message.
    Message(Value),
    /// The server closed the connection with this code and reason.
    Closed(u16, String),
}

/// One WebSocket connection to `/graphql/ws`.
pub struct WsClient {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl WsClient {
    /// Connects to the service at `address` (`http://…`) with subprotocol `protocol`.
    pub async fn connect_with(address: &str, protocol: Option<&str>) -> Self {
        let url = format!("{}/graphql/ws", address.replacen("http", "ws", 1));
        let mut request = url.into_client_request().expect("request");
        if let Some(protocol) = protocol {
            request.headers_mut().insert(
                "Sec-WebSocket-Protocol",
                protocol.parse().expect("header value"),
            );
        }
        let (stream, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("WebSocket connects");
        Self { stream }
    }

    /// Connects speaking graphql-transport-ws.
    pub async fn connect(address: &str) -> Self {
        Self::connect_with(address, Some("graphql-transport-ws")).await
    }

    /// Connects and initialises with `token` (anonymous when `None`); fails the
    /// test unless the connection is acknowledged.
    pub async fn open(address: &str, token: Option<&str>) -> Self {
        let mut client = Self::connect(address).await;
        let payload = match token {
            Some(token) => json!({ "Authorization": format!("Bearer {token}") }),
            None => json!({}),
        };
        client
            .send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        assert_eq!(
            client.receive().await,
            Incoming::Message(json!({ "type": "connection_ack" }))
        );
        client
    }

    /// Sends a protocol message.
    pub async fn send(&mut self, message: Value) {
        self.send_text(&message.to_string()).await;
    }

    /// Sends raw text.
    pub async fn send_text(&mut self, text: &str) {
        self.stream
            .send(Message::Text(text.into()))
            .await
            .expect("message sent");
    }

    /// Starts operation `id`.
    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        self.send(json!({
            "type": "subscribe",
            "id": id,
            "payload": { "query": query, "variables": variables },
        }))
        .await;
    }

    /// The next message or the close, failing the test after [`WAIT`].
    pub async fn receive(&mut self) -> Incoming {
        self.receive_within(WAIT)
            .await
            .expect("a message from the server in time")
    }

    /// The next message or the close within `wait`; `None` when nothing came.
    pub async fn receive_within(&mut self, wait: Duration) -> Option<Incoming> {
        loop {
            let frame = tokio::time::timeout(wait, self.stream.next()).await.ok()?;
            match frame {
                Some(Ok(Message::Text(text))) => {
                    return Some(Incoming::Message(
                        serde_json::from_str(text.as_str()).expect("JSON message"),
                    ));
                }
                Some(Ok(Message::Close(frame))) => {
                    return Some(match frame {
                        Some(frame) => {
                            Incoming::Closed(frame.code.into(), frame.reason.to_string())
                        }
                        None => Incoming::Closed(1005, String::new()),
                    });
                }
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return Some(Incoming::Closed(1006, String::new())),
            }
        }
    }

    /// The payload of the next `next` message of operation `id`.
    pub async fn next_of(&mut self, id: &str) -> Value {
        match self.receive().await {
            Incoming::Message(message) if message["type"] == "next" && message["id"] == id => {
                message["payload"].clone()
            }
            other => panic!("expected `next` of {id}, got {other:?}"),
        }
    }
}
