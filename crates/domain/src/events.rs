//! Events a lycée opens to companies (forum des métiers, job dating…) and
//! the life of a company's registration: the kinds and states as codes,
//! and the one rule that decides whether a registration may be confirmed,
//! so that pages, emails and the service never recompute it from strings.

crate::codes!(
    /// What kind of event a lycée publishes.
    EventKind {
        ForumMetiers = "forum_metiers",
        /// Job dating or "stage dating": short interviews with students.
        JobDating = "job_dating",
        PortesOuvertes = "portes_ouvertes",
        RemiseDiplomes = "remise_diplomes",
        ReunionTuteurs = "reunion_tuteurs",
        Autre = "autre",
    }
);

impl EventKind {
    /// The kind as a person reads it.
    pub fn label(self) -> &'static str {
        match self {
            EventKind::ForumMetiers => "Forum des métiers",
            EventKind::JobDating => "Job dating ou stage dating",
            EventKind::PortesOuvertes => "Portes ouvertes",
            EventKind::RemiseDiplomes => "Remise des diplômes",
            EventKind::ReunionTuteurs => "Réunion des tuteurs",
            EventKind::Autre => "Autre événement",
        }
    }
}

crate::codes!(
    /// Whether an event still takes place.
    EventState {
        Publie = "publie",
        /// Called off by the lycée: kept for its history, shown as such.
        Annule = "annule",
    }
);

crate::codes!(
    /// Where a company's registration stands.
    RegistrationState {
        /// Registered; the address is not confirmed yet, no place is taken.
        EnAttente = "en_attente",
        /// Address confirmed: a place is taken.
        Confirmee = "confirmee",
        /// Cancelled by the company (or by the event's cancellation).
        Annulee = "annulee",
    }
);

impl RegistrationState {
    pub fn label(self) -> &'static str {
        match self {
            RegistrationState::EnAttente => "En attente de confirmation",
            RegistrationState::Confirmee => "Confirmée",
            RegistrationState::Annulee => "Annulée",
        }
    }
}

/// What asking to confirm a registration leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmation {
    /// The place is taken now.
    Confirmed,
    /// It already was (a link opened twice): nothing changes.
    AlreadyConfirmed,
    /// Every place is taken: the registration stays waiting.
    Full,
    /// The event was cancelled by the lycée.
    EventCancelled,
    /// The event has already started or is over.
    EventPast,
    /// The company cancelled this registration.
    RegistrationCancelled,
}

/// Whether registration in `state` may take a place of an event in
/// `event` state that has not started (`started` false), holding
/// `confirmed` confirmed registrations out of `capacity` places (`None`:
/// no limit).
pub fn confirm(
    state: RegistrationState,
    event: EventState,
    started: bool,
    confirmed: i64,
    capacity: Option<i64>,
) -> Confirmation {
    match (state, event) {
        (RegistrationState::Confirmee, _) => Confirmation::AlreadyConfirmed,
        (RegistrationState::Annulee, _) => Confirmation::RegistrationCancelled,
        (_, EventState::Annule) => Confirmation::EventCancelled,
        _ if started => Confirmation::EventPast,
        _ if capacity.is_some_and(|c| confirmed >= c) => Confirmation::Full,
        _ => Confirmation::Confirmed,
    }
}

/// Places left (`None`: no limit), never below zero.
pub fn places_left(confirmed: i64, capacity: Option<i64>) -> Option<i64> {
    capacity.map(|c| (c - confirmed).max(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Confirmation as C;
    use EventState::*;
    use RegistrationState::*;

    #[test]
    fn confirmation_table() {
        let cases = [
            (EnAttente, Publie, false, 0, Some(2), C::Confirmed),
            (EnAttente, Publie, false, 1, Some(2), C::Confirmed),
            (EnAttente, Publie, false, 2, Some(2), C::Full),
            (EnAttente, Publie, false, 500, None, C::Confirmed),
            (EnAttente, Publie, true, 0, Some(2), C::EventPast),
            (EnAttente, Annule, false, 0, Some(2), C::EventCancelled),
            (Confirmee, Publie, false, 2, Some(2), C::AlreadyConfirmed),
            (Confirmee, Annule, true, 2, Some(2), C::AlreadyConfirmed),
            (Annulee, Publie, false, 0, Some(2), C::RegistrationCancelled),
        ];
        for (state, event, started, confirmed, capacity, want) in cases {
            assert_eq!(confirm(state, event, started, confirmed, capacity), want, "{state} {event} {confirmed}");
        }
    }

    #[test]
    fn codes_and_places() {
        assert_eq!("job_dating".parse::<EventKind>(), Ok(EventKind::JobDating));
        assert!("forum".parse::<EventKind>().is_err());
        assert_eq!(EventKind::ALL.len(), 6);
        assert_eq!(places_left(3, Some(2)), Some(0));
        assert_eq!(places_left(1, Some(2)), Some(1));
        assert_eq!(places_left(1, None), None);
    }
}
