//! Who is calling, and what that lets them see.
//!
//! A request without credentials is [`Principal::Anonymous`]. A bearer token is
//! verified strictly by [`Verifier`]: one algorithm per key (HS256 with the
//! configured secret, or RS256/EdDSA public keys chosen by `kid` from a JWKS
//! file), and `exp`, `iss`, `aud` and `sub` required. Every failure is the same
//! [`AppError::Unauthenticated`], whatever the reason.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::config::{AuthConfig, DatabaseConfig};
use crate::error::{AppError, Result};

/// Tokens longer than this are refused before any parsing.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// Clock skew tolerated on `exp`, in seconds.
pub const LEEWAY_SECONDS: u64 = 30;

/// A role granted by a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Writes for its own member organisation.
    Editor,
    /// The Alliance secretariat: members, publishing, everything.
    Coordinator,
    /// Read-only, including non-public financial detail.
    Analyst,
    /// Operates the service.
    Admin,
}

/// The caller of a request.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub enum Principal {
    /// No credentials: published records only, no contacts.
    #[default]
    Anonymous,
    /// An authenticated user.
    User {
        /// The token's subject.
        subject: String,
        /// The granted role.
        role: Role,
        /// The member organisation an editor acts for.
        member_id: Option<i64>,
        /// The organisation the editor acts for has applied and is not yet
        /// a member: it may read, and amend or withdraw its own application,
        /// but write nothing else ([`crate::policy`]).
        applicant: bool,
    },
}

impl Principal {
    /// Whether the caller sees every record, published or not.
    pub fn sees_everything(&self) -> bool {
        matches!(
            self,
            Self::User {
                role: Role::Coordinator | Role::Analyst | Role::Admin,
                ..
            }
        )
    }

    /// The member organisation whose unpublished records the caller also sees.
    pub fn own_member(&self) -> Option<i64> {
        match self {
            Self::User {
                role: Role::Editor,
                member_id,
                ..
            } => *member_id,
            _ => None,
        }
    }

    /// Whether the caller sees the private contact details of `member_id`.
    pub fn sees_contact_of(&self, member_id: i64) -> bool {
        self.sees_everything() || self.own_member() == Some(member_id)
    }

    /// Whether the caller is the secretariat (a coordinator) or an
    /// administrator: it publishes, decides memberships and writes for any
    /// organisation.
    pub fn is_secretariat(&self) -> bool {
        matches!(self.role(), Some(Role::Coordinator | Role::Admin))
    }

    /// Whether the caller acts for an organisation that has applied and is
    /// not yet a member.
    pub fn is_applicant(&self) -> bool {
        matches!(
            self,
            Self::User {
                applicant: true,
                ..
            }
        )
    }

    /// The role, `None` for anonymous callers.
    pub fn role(&self) -> Option<Role> {
        match self {
            Self::Anonymous => None,
            Self::User { role, .. } => Some(*role),
        }
    }
}

/// The claims of an Alliance token.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Claims {
    /// Subject: who the token was issued to.
    pub sub: String,
    /// Expiry, seconds since the epoch.
    pub exp: u64,
    /// Issue time, seconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// The granted role.
    pub role: Role,
    /// Slug of the member organisation an editor acts for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
}

/// Verifies bearer tokens.
pub struct Verifier {
    secret: Option<DecodingKey>,
    keys: HashMap<String, (Algorithm, DecodingKey)>,
    issuer: String,
    audience: String,
}

impl Verifier {
    /// Loads the HS256 secret and the JWKS file named in the configuration.
    pub fn from_config(auth: &AuthConfig, database: &DatabaseConfig) -> Result<Self> {
        let secret =
            resolve_secret(auth, database)?.map(|s| DecodingKey::from_secret(s.as_bytes()));
        let mut keys = HashMap::new();
        if let Some(path) = &auth.jwt_jwks_file {
            let text = std::fs::read_to_string(path).map_err(|e| {
                AppError::internal(format!("cannot read JWKS file {}: {e}", path.display()))
            })?;
            let set: JwkSet = serde_json::from_str(&text).map_err(|e| {
                AppError::internal(format!("invalid JWKS file {}: {e}", path.display()))
            })?;
            for jwk in &set.keys {
                let kid = jwk
                    .common
                    .key_id
                    .clone()
                    .ok_or_else(|| AppError::internal("every JWKS key needs a kid"))?;
                if jwk
                    .common
                    .public_key_use
                    .as_ref()
                    .is_some_and(|u| *u != jsonwebtoken::jwk::PublicKeyUse::Signature)
                {
                    return Err(AppError::internal(format!(
                        "JWKS key {kid} is not a signing key"
                    )));
                }
                let algorithm = match &jwk.algorithm {
                    AlgorithmParameters::RSA(_) => Algorithm::RS256,
                    AlgorithmParameters::OctetKeyPair(p) if p.curve == EllipticCurve::Ed25519 => {
                        Algorithm::EdDSA
                    }
                    _ => {
                        return Err(AppError::internal(format!(
                            "JWKS key {kid}: only RSA (RS256) and Ed25519 (EdDSA) keys are accepted"
                        )));
                    }
                };
                let key = DecodingKey::from_jwk(jwk)
                    .map_err(|e| AppError::internal(format!("JWKS key {kid}: {e}")))?;
                keys.insert(kid, (algorithm, key));
            }
        }
        Ok(Self {
            secret,
            keys,
            issuer: auth.jwt_issuer.clone(),
            audience: auth.jwt_audience.clone(),
        })
    }

    /// Verifies a token and returns its claims; any failure is `Unauthenticated`.
    pub fn verify(&self, token: &str) -> Result<Claims> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(AppError::Unauthenticated);
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| AppError::Unauthenticated)?;
        let (algorithm, key) = match &header.kid {
            Some(kid) => {
                let (algorithm, key) = self.keys.get(kid).ok_or(AppError::Unauthenticated)?;
                (*algorithm, key)
            }
            None => (
                Algorithm::HS256,
                self.secret.as_ref().ok_or(AppError::Unauthenticated)?,
            ),
        };
        if header.alg != algorithm {
            return Err(AppError::Unauthenticated);
        }
        let mut validation = Validation::new(algorithm);
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        let data = jsonwebtoken::decode::<Claims>(token, key, &validation)
            .map_err(|_| AppError::Unauthenticated)?;
        let now = u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0);
        if data.claims.sub.is_empty()
            || data
                .claims
                .iat
                .is_some_and(|iat| iat > now + LEEWAY_SECONDS)
        {
            return Err(AppError::Unauthenticated);
        }
        Ok(data.claims)
    }
}

/// The HS256 secret: `JWT_SECRET`, or for the embedded SQLite default one
/// generated on first start and kept beside the database file.
pub fn resolve_secret(auth: &AuthConfig, database: &DatabaseConfig) -> Result<Option<String>> {
    if let Some(secret) = &auth.jwt_secret {
        if secret.len() < 32 {
            return Err(AppError::internal(
                "JWT_SECRET must be at least 32 characters",
            ));
        }
        return Ok(Some(secret.clone()));
    }
    let Some(path) = secret_file(database) else {
        return Ok(None);
    };
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let existing = existing.trim().to_owned();
        if existing.len() < 32 {
            return Err(AppError::internal(format!(
                "{} holds a secret shorter than 32 characters: remove it to have a new one generated",
                path.display()
            )));
        }
        return Ok(Some(existing));
    }
    let secret = hex::encode(rand::random::<[u8; 32]>());
    // Written whole to a temporary file, then renamed: a crash never leaves a short secret behind.
    let temporary = path.with_extension("jwt-secret.tmp");
    std::fs::remove_file(&temporary).ok();
    write_private(&temporary, &secret)?;
    std::fs::rename(&temporary, &path)
        .map_err(|e| AppError::internal(format!("cannot create {}: {e}", path.display())))?;
    tracing::info!(path = %path.display(), "generated a token signing secret");
    Ok(Some(secret))
}

/// Where the generated secret of a SQLite database lives: `<database file>.jwt-secret`.
fn secret_file(database: &DatabaseConfig) -> Option<PathBuf> {
    let mut file = database.sqlite_file()?.into_os_string();
    file.push(".jwt-secret");
    Some(PathBuf::from(file))
}

fn write_private(path: &Path, content: &str) -> Result<()> {
    use std::io::Write;
    let mut file = create_private(path)?;
    file.write_all(content.as_bytes())
        .map_err(|e| AppError::internal(format!("cannot write {}: {e}", path.display())))
}

/// Creates `path`, which must not exist, readable and writable by its owner
/// alone (mode 0600): secrets and the SQLite database, which holds contact
/// details.
pub fn create_private(path: &Path) -> Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)
        .map_err(|e| AppError::internal(format!("cannot create {}: {e}", path.display())))
}

/// Mints an HS256 token with the configured secret (`alliance token`).
pub fn mint(secret: &str, claims: &Claims) -> Result<String> {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .map_err(|e| AppError::internal(format!("cannot sign token: {e}")))
}

/// Parses a duration such as `90s`, `15m`, `1h` or `7d` into seconds.
pub fn parse_ttl(text: &str) -> std::result::Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("invalid duration {text:?}"))?;
    let factor = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => {
            return Err(format!(
                "invalid duration unit in {text:?}: use s, m, h or d"
            ));
        }
    };
    number
        .checked_mul(factor)
        .filter(|s| *s > 0)
        .ok_or_else(|| format!("duration {text:?} out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_durations() {
        assert_eq!(parse_ttl("1h"), Ok(3600));
        assert_eq!(parse_ttl("90"), Ok(90));
        assert_eq!(parse_ttl("7d"), Ok(604_800));
        assert!(parse_ttl("1w").is_err());
        assert!(parse_ttl("0s").is_err());
    }
}
