//! What can go wrong in a live run, written for the person running it.

/// Why a live run could not start, or stopped early.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// The server address does not parse.
    #[error("`{url}` is not a NATS server address ({reason}); write it like nats://127.0.0.1:4222")]
    BadUrl {
        /// The address as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Nothing answered at the address.
    #[error(
        "could not reach a NATS server at {url}: {reason}; is the server running and the port right?"
    )]
    Unreachable {
        /// The address tried.
        url: String,
        /// What the connection attempt said.
        reason: String,
    },
    /// The server refused the credentials.
    #[error(
        "the NATS server at {url} refused the credentials ({reason}); check the token, user/password or creds file"
    )]
    AuthFailed {
        /// The address tried.
        url: String,
        /// What the server said (never the secret itself).
        reason: String,
    },
    /// The credentials could not be read.
    #[error("cannot read the credentials: {0}")]
    Credentials(String),
    /// The server has no JetStream enabled, or refused a stream or consumer.
    #[error(
        "JetStream refused to set up {what}: {reason}; start nats-server with -js (JetStream enabled)"
    )]
    JetStream {
        /// The stream or consumer being set up.
        what: String,
        /// What the server said.
        reason: String,
    },
    /// The model cannot run (errors from the checks, or a bad fault).
    #[error(transparent)]
    Model(#[from] stormflow_core::sim::SimError),
    /// A run option is out of range.
    #[error("{0}")]
    BadOption(String),
    /// A local `nats-server` could not be started.
    #[error("could not start a local nats-server: {0}")]
    LocalServer(String),
    /// The run's thread or runtime failed.
    #[error("the live run stopped unexpectedly: {0}")]
    Runtime(String),
}
