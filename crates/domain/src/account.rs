//! Who may do what in the workspace: the role of an account.

crate::codes!(
    /// What an account may do.
    Role {
        /// A lycée's business officer (also the DDFPT or the proviseur): the
        /// requests, showcase and partners of its lycées.
        Rbe = "rbe",
        /// A territorial coordinator: an académie, or a bassin given as a
        /// list of lycées.
        Coordinateur = "coordinateur",
        /// National administration.
        Admin = "admin",
    }
);

impl Role {
    /// The role of a code, if it is one.
    pub fn from_code(code: &str) -> Option<Role> {
        code.parse().ok()
    }

    /// The role in words.
    pub fn label(self) -> &'static str {
        match self {
            Role::Rbe => "Référent entreprises du lycée",
            Role::Coordinateur => "Coordination territoriale",
            Role::Admin => "Administration nationale",
        }
    }
}

crate::codes!(
    /// Where an agent's request to join a lycée stands.
    JoinStatus {
        EnAttente = "en_attente",
        Acceptee = "acceptee",
        Refusee = "refusee",
    }
);
