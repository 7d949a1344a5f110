//! The app's one error type. Every failure a user should hear about is an
//! [`AppError`] and reaches them one way, `StormflowApp::report`: what
//! stops what they asked for (a file that cannot be opened, saved,
//! imported or exported; a board that cannot run) opens a dialog that says
//! what happened and what to do; a refused edit is a toast by the pointer.
//! Nothing that was open is lost either way. (The Run on NATS and What-if
//! windows say what is wrong with their own form inside the window, beside
//! the field, as a form does.)

/// What went wrong, in the user's words.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AppError {
    /// A file could not be opened as a board.
    #[error("{0}")]
    Open(String),
    /// The board could not be saved (the file on disk is unchanged).
    #[error("{0}")]
    Save(String),
    /// Documents could not be imported.
    #[error("{0}")]
    Import(String),
    /// The board could not be exported.
    #[error("{0}")]
    Export(String),
    /// The board cannot run (check errors, or a fault that does not apply).
    #[error("{0}")]
    Run(String),
    /// Two boards could not be compared.
    #[error("{0}")]
    Compare(String),
    /// An edit the model refused, with the reason.
    #[error("{0}")]
    Edit(String),
}

impl AppError {
    /// The dialog's title, or none for what is said in a toast.
    pub fn title(&self) -> Option<&'static str> {
        match self {
            AppError::Open(_) => Some("The file could not be opened"),
            AppError::Save(_) => Some("The board could not be saved"),
            AppError::Import(_) => Some("The documents could not be imported"),
            AppError::Export(_) => Some("The board could not be exported"),
            AppError::Run(_) => Some("The board cannot run yet"),
            AppError::Compare(_) => Some("The boards cannot be compared"),
            AppError::Edit(_) => None,
        }
    }

    /// What to do next, said under the message.
    pub fn advice(&self) -> &'static str {
        match self {
            AppError::Open(_) | AppError::Import(_) => {
                "The board that was open is still open; nothing was changed."
            }
            AppError::Save(_) => "The file on disk is unchanged; the board is still open.",
            AppError::Export(_) => "Nothing was written; the board is unchanged.",
            AppError::Run(_) => "The Problems panel lists what to fix.",
            AppError::Compare(_) | AppError::Edit(_) => "",
        }
    }
}
