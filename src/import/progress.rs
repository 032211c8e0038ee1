//! Import progress: bars on a terminal, plain lines in logs and CI.

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

/// Where progress goes.
pub struct Progress {
    multi: Option<MultiProgress>,
    quiet: bool,
}

impl Progress {
    /// Bars when stderr is a terminal, plain lines otherwise.
    pub fn auto() -> Progress {
        let multi =
            std::io::stderr().is_terminal().then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        Progress { multi, quiet: false }
    }

    /// No output at all (tests, first start of `serve` logs through tracing).
    pub fn quiet() -> Progress {
        Progress { multi: None, quiet: true }
    }

    /// Starts the progress of one dataset of `steps` steps.
    pub fn dataset(&self, name: &str, steps: u64) -> DatasetProgress {
        let bar = self.multi.as_ref().map(|m| {
            let b = m.add(ProgressBar::new(steps));
            b.set_style(
                ProgressStyle::with_template("{prefix:>12} [{bar:24}] {pos}/{len} {wide_msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            b.set_prefix(name.to_string());
            b
        });
        DatasetProgress { name: name.to_string(), bar, quiet: self.quiet }
    }
}

/// Progress of one dataset.
pub struct DatasetProgress {
    name: String,
    bar: Option<ProgressBar>,
    quiet: bool,
}

impl DatasetProgress {
    /// One more step done (a file read, the write started).
    pub fn step(&self, what: &str) {
        match &self.bar {
            Some(b) => {
                b.inc(1);
                b.set_message(what.to_string());
            }
            None if !self.quiet => eprintln!("[{}] {what}", self.name),
            None => {}
        }
    }

    pub fn finish(&self, summary: &str) {
        match &self.bar {
            Some(b) => {
                b.set_position(b.length().unwrap_or(0));
                b.finish_with_message(summary.to_string());
            }
            None if !self.quiet => eprintln!("[{}] terminé : {summary}", self.name),
            None => {}
        }
    }
}

impl Progress {
    /// Starts the progress of one file being downloaded (`monlyceepro
    /// download`): a bar of bytes on a terminal, plain lines otherwise.
    pub fn transfer(&self, name: &str) -> TransferProgress {
        let bar = self.multi.as_ref().map(|m| {
            let b = m.add(ProgressBar::no_length());
            b.set_style(
                ProgressStyle::with_template(
                    "{prefix:>48} [{bar:24}] {bytes}/{total_bytes} {bytes_per_sec} {wide_msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            b.set_prefix(name.to_string());
            b
        });
        TransferProgress { name: name.to_string(), bar, quiet: self.quiet }
    }
}

/// Progress of one download.
pub struct TransferProgress {
    name: String,
    bar: Option<ProgressBar>,
    quiet: bool,
}

impl TransferProgress {
    /// A transfer begins: `already` bytes are on disk (a resumed download)
    /// out of `total` when the server says it.
    pub fn start(&self, url: &str, total: Option<u64>, already: u64) {
        match &self.bar {
            Some(b) => {
                if let Some(t) = total {
                    b.set_length(t);
                }
                b.set_position(already);
                b.set_message(if already > 0 { "reprise" } else { "" });
            }
            None if !self.quiet => {
                let size = total.map_or(String::new(), |t| format!(", {t} octets"));
                if already > 0 {
                    eprintln!("[{}] reprise à l'octet {already} depuis {url}{size}", self.name);
                } else {
                    eprintln!("[{}] téléchargement depuis {url}{size}", self.name);
                }
            }
            None => {}
        }
    }

    /// `n` more bytes received.
    pub fn advance(&self, n: u64) {
        if let Some(b) = &self.bar {
            b.inc(n);
        }
    }

    /// Something worth a line (a retry, a refusal).
    pub fn note(&self, what: &str) {
        match &self.bar {
            Some(b) => b.set_message(what.to_string()),
            None if !self.quiet => eprintln!("[{}] {what}", self.name),
            None => {}
        }
    }

    pub fn finish(&self, summary: &str) {
        match &self.bar {
            Some(b) => b.finish_with_message(summary.to_string()),
            None if !self.quiet => eprintln!("[{}] {summary}", self.name),
            None => {}
        }
    }
}
