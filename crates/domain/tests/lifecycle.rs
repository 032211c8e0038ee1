//! The lifecycle of a request: every state × every event, allowed or
//! refused with its reason; the effects of the main transitions; and the
//! schedule walked through real French working days (11 November,
//! Ascension), time moved forward instead of rows rewritten.

use domain::calendar::WorkingCalendar;
use domain::lifecycle::{
    Actor, CoordinationCause, Deadlines, DeclineReason, Done, Email, Event, Mark, Outcome, Permissions, Recipient,
    RecipientRole, RecipientStatus, Refusal, Request, RequestStatus, Story, Viewer, decide, permissions,
};
use time::OffsetDateTime;
use time::macros::datetime;

/// Monday 9 November 2026, 09:00 in Lyon (08:00 UTC); 11 November is a
/// Wednesday, a public holiday.
const START: OffsetDateTime = datetime!(2026-11-09 08:00 UTC);

fn lyon() -> WorkingCalendar<'static> {
    WorkingCalendar::new("69", Some("Lyon"), None)
}

fn recipient(uai: &str, role: RecipientRole, status: RecipientStatus) -> Recipient {
    let told = role != RecipientRole::Reserve;
    Recipient { uai: uai.into(), role, status, notified_at: told.then_some(START), reminded: false, reachable: true }
}

/// A request sent to A (pilot) and B (support), C in reserve.
fn sent() -> Request {
    Request {
        status: RequestStatus::Transmise,
        started_at: START,
        responsible: None,
        taken_at: None,
        answered_at: None,
        ended_at: None,
        recipients: vec![
            recipient("A", RecipientRole::Pilote, RecipientStatus::Nouvelle),
            recipient("B", RecipientRole::Appui, RecipientStatus::Nouvelle),
            recipient("C", RecipientRole::Reserve, RecipientStatus::EnAttente),
        ],
        done: Done::default(),
        company_reopened: false,
        satisfaction: None,
        satisfaction_asked: false,
    }
}

fn with(status: RequestStatus, a: RecipientStatus, b: RecipientStatus) -> Request {
    let mut r = sent();
    r.status = status;
    r.recipients[0].status = a;
    r.recipients[1].status = b;
    if a == RecipientStatus::PriseEnCharge || (status == RequestStatus::Cloturee && a == RecipientStatus::Cloturee) {
        r.responsible = Some("A".into());
        r.taken_at = Some(START);
    }
    if !status.is_open() {
        r.ended_at = Some(START);
    }
    r
}

fn states() -> Vec<(&'static str, Request)> {
    use RecipientStatus as S;
    use RequestStatus as R;
    let mut doublon = sent();
    doublon.status = R::Doublon;
    doublon.recipients.clear();
    doublon.ended_at = Some(START);
    vec![
        ("transmise", sent()),
        ("prise_en_charge", with(R::PriseEnCharge, S::PriseEnCharge, S::Nouvelle)),
        ("en_attente", {
            let mut r = with(R::EnAttente, S::Declinee, S::Declinee);
            r.recipients[2].status = S::Expiree;
            r.recipients[2].role = RecipientRole::Appui;
            r
        }),
        ("cloturee", with(R::Cloturee, S::Cloturee, S::Cloturee)),
        ("annulee", with(R::Annulee, S::Cloturee, S::Cloturee)),
        ("doublon", doublon),
        ("sans_reponse", with(R::SansReponse, S::Expiree, S::Expiree)),
    ]
}

fn events() -> Vec<(&'static str, Event)> {
    let lycee = |u: &str| Actor::Lycee(u.into());
    vec![
        ("prendre A", Event::Take { uai: "A".into() }),
        ("prendre B", Event::Take { uai: "B".into() }),
        ("prendre X", Event::Take { uai: "X".into() }),
        ("décliner A", Event::Decline { uai: "A".into(), reason: DeclineReason::HorsChamp, has_text: false }),
        ("décliner A autre", Event::Decline { uai: "A".into(), reason: DeclineReason::Autre, has_text: false }),
        ("passer A→D", Event::HandOver { from: Some("A".into()), to: "D".into(), crosses_border: false }),
        ("réaffecter D", Event::HandOver { from: None, to: "D".into(), crosses_border: false }),
        ("écrire A", Event::Write { by: lycee("A") }),
        ("écrire coordination", Event::Write { by: Actor::Coordination }),
        ("l'entreprise écrit", Event::CompanyWrites),
        ("note A", Event::Note { by: lycee("A") }),
        ("note coordination", Event::Note { by: Actor::Coordination }),
        ("clôturer A", Event::Close { by: lycee("A"), outcome: Outcome::Realisee }),
        ("clôturer coordination", Event::Close { by: Actor::Coordination, outcome: Outcome::SansSuite }),
        ("clôturer entreprise", Event::Close { by: Actor::Company, outcome: Outcome::SansSuite }),
        ("annuler", Event::Cancel),
        ("rouvrir A", Event::Reopen { by: lycee("A"), candidates: vec![] }),
        ("rouvrir coordination", Event::Reopen { by: Actor::Coordination, candidates: vec![] }),
        ("rouvrir entreprise", Event::Reopen { by: Actor::Company, candidates: vec!["D".into()] }),
        ("avis", Event::Rate { score: 4 }),
        ("échéancier", Event::Tick),
        ("non distribué A", Event::Undelivered { uai: "A".into() }),
    ]
}

fn result_code(r: &Result<domain::lifecycle::Plan, Refusal>) -> String {
    match r {
        Ok(_) => "ok".into(),
        Err(Refusal::Ended(why)) => format!("close ({why})"),
        Err(e) => format!("{e:?}"),
    }
}

#[test]
fn every_state_against_every_event() {
    let ended = |why: &str| format!("close ({why})");
    let closed = ended("clôturée");
    let cancelled = ended("annulée par l'entreprise");
    let duplicate = ended("un doublon");
    let no_answer = ended("close sans réponse");
    let ok = "ok".to_string();
    let s = |v: &str| v.to_string();
    // One column per event, in the order of `events()`.
    #[rustfmt::skip]
    let expected: Vec<(&str, Vec<String>)> = vec![
        ("transmise", vec![ok.clone(), ok.clone(), s("NotRecipient"), ok.clone(), s("ReasonNeeded"), ok.clone(), ok.clone(),
            s("NotTaken"), ok.clone(), ok.clone(), ok.clone(), ok.clone(), s("NotTaken"), ok.clone(), ok.clone(), ok.clone(),
            s("NotEnded"), s("NotEnded"), s("NotEnded"), s("NotYetRateable"), s("NothingDue"), ok.clone()]),
        ("prise_en_charge", vec![s("AlreadyTaken"), ok.clone(), s("NotRecipient"), s("AlreadyTaken"), s("AlreadyTaken"),
            ok.clone(), s("TakenByAnother"), ok.clone(), ok.clone(), ok.clone(), ok.clone(), ok.clone(), ok.clone(), ok.clone(),
            ok.clone(), ok.clone(), s("NotEnded"), s("NotEnded"), s("NotEnded"), s("NotYetRateable"), s("NothingDue"),
            s("NothingDue")]),
        ("en_attente", vec![s("AlreadyDeclined"), s("AlreadyDeclined"), s("NotRecipient"), s("AlreadyDeclined"),
            s("AlreadyDeclined"), s("NotInvolved"), ok.clone(), s("NotTaken"), ok.clone(), ok.clone(), ok.clone(), ok.clone(),
            s("NotTaken"), ok.clone(), ok.clone(), ok.clone(), s("NotEnded"), s("NotEnded"), s("NotEnded"),
            s("NotYetRateable"), s("NothingDue"), s("NothingDue")]),
        ("cloturee", [vec![closed.clone(); 16], vec![ok.clone(), ok.clone(), s("NotReopenable"), ok.clone(), s("NothingDue"), s("NothingDue")]].concat()),
        ("annulee", [vec![cancelled.clone(); 18], vec![s("NotReopenable"), s("NotYetRateable"), s("NothingDue"), s("NothingDue")]].concat()),
        ("doublon", [vec![duplicate.clone(); 18], vec![s("NotReopenable"), s("NotYetRateable"), s("NothingDue"), s("NothingDue")]].concat()),
        ("sans_reponse", [vec![no_answer.clone(); 18], vec![ok.clone(), s("NotYetRateable"), s("NothingDue"), s("NothingDue")]].concat()),
    ];
    let cal = lyon();
    let d = Deadlines::default();
    let now = START + time::Duration::hours(1);
    let mut failures = Vec::new();
    for ((state, req), (state_name, row)) in states().iter().zip(&expected) {
        assert_eq!(state, state_name);
        assert_eq!(row.len(), events().len(), "{state}: one expectation per event");
        for ((event, e), want) in events().iter().zip(row) {
            let got = result_code(&decide(req, e, now, &cal, &d));
            if &got != want {
                failures.push(format!("{state} × {event}: {got}, attendu {want}"));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn taking_leads_the_answer_and_tells_the_company_once() {
    let (cal, d, now) = (lyon(), Deadlines::default(), START);
    let plan = decide(&sent(), &Event::Take { uai: "B".into() }, now, &cal, &d).expect("prendre");
    assert_eq!(plan.status, RequestStatus::PriseEnCharge);
    assert_eq!(plan.responsible.as_deref(), Some("B"));
    assert_eq!(plan.emails, vec![Email::CompanyTaken { uai: "B".into() }]);
    assert_eq!(plan.story, vec![Story::Taken { uai: "B".into(), first: true }]);
    let after = sent().apply(&plan, now);
    let second = decide(&after, &Event::Take { uai: "A".into() }, now, &cal, &d).expect("appui");
    assert!(second.emails.is_empty(), "the company is told once");
    assert_eq!(second.story, vec![Story::Taken { uai: "A".into(), first: false }]);
    assert!(!second.story[0].public());
}

#[test]
fn declining_pilot_promotes_support_and_brings_the_reserve() {
    let (cal, d, now) = (lyon(), Deadlines::default(), START);
    let e = Event::Decline { uai: "A".into(), reason: DeclineReason::Autre, has_text: true };
    let plan = decide(&sent(), &e, now, &cal, &d).expect("décliner");
    let after = sent().apply(&plan, now);
    let roles: Vec<(&str, RecipientRole, RecipientStatus)> =
        after.recipients.iter().map(|r| (r.uai.as_str(), r.role, r.status)).collect();
    assert_eq!(
        roles,
        vec![
            ("A", RecipientRole::Pilote, RecipientStatus::Declinee),
            ("B", RecipientRole::Pilote, RecipientStatus::Nouvelle),
            ("C", RecipientRole::Appui, RecipientStatus::Nouvelle),
        ]
    );
    assert!(plan.emails.contains(&Email::LyceeNew { uai: "B".into(), role: RecipientRole::Pilote }));
    assert!(plan.emails.contains(&Email::LyceeNew { uai: "C".into(), role: RecipientRole::Appui }));
    // Everyone declines: the coordination takes over.
    let mut req = after;
    for uai in ["B", "C"] {
        let e = Event::Decline { uai: uai.into(), reason: DeclineReason::Capacite, has_text: false };
        let plan = decide(&req, &e, now, &cal, &d).expect("décliner");
        req = req.apply(&plan, now);
        if uai == "C" {
            assert_eq!(plan.status, RequestStatus::EnAttente);
            assert!(plan.emails.contains(&Email::Coordination { cause: CoordinationCause::NoneLeft }));
            assert!(plan.story.contains(&Story::ToCoordination));
        }
    }
}

/// Nobody reads B and C: the schedule neither reminds them nor gives them
/// a role; an email that could not be delivered makes its lycée step
/// aside; with nobody reachable left, the coordination has the request.
#[test]
fn lycees_nobody_reads_are_skipped() {
    let (cal, d) = (lyon(), Deadlines::default());
    let mut req = sent();
    req.recipients[2].reachable = false; // C, in reserve
    // A's email bounced: B (reachable) leads, C is not told.
    let plan = decide(&req, &Event::Undelivered { uai: "A".into() }, START, &cal, &d).expect("non distribué");
    assert_eq!(plan.story[0], Story::Undelivered { uai: "A".into() });
    assert!(!plan.story[0].public(), "an internal line");
    assert!(plan.emails.contains(&Email::LyceeNew { uai: "B".into(), role: RecipientRole::Pilote }));
    assert!(!plan.emails.iter().any(|e| matches!(e, Email::LyceeNew { uai, .. } if uai == "C")));
    let after = req.apply(&plan, START);
    assert_eq!(after.recipients[0].status, RecipientStatus::Expiree);
    assert_eq!(after.recipients[2].status, RecipientStatus::EnAttente, "C stays in reserve");
    // B's email bounces too: nobody reachable is left, the coordination
    // has it at once.
    let plan = decide(&after, &Event::Undelivered { uai: "B".into() }, START, &cal, &d).expect("non distribué");
    assert_eq!(plan.status, RequestStatus::EnAttente);
    assert!(plan.emails.contains(&Email::Coordination { cause: CoordinationCause::NoneLeft }));
    // Twice the same bounce: nothing more to do.
    let after = after.apply(&plan, START);
    assert_eq!(decide(&after, &Event::Undelivered { uai: "B".into() }, START, &cal, &d), Err(Refusal::NothingDue));

    // A pilot nobody reads is not reminded: its role moves on at the
    // first look of the schedule, to the reachable support.
    let mut req = sent();
    req.recipients[0].reachable = false;
    let due = domain::lifecycle::next_due(&req, &cal, &d).expect("échéance");
    assert_eq!(due, START, "at once");
    let plan = decide(&req, &Event::Tick, START + time::Duration::minutes(1), &cal, &d).expect("échéancier");
    assert!(plan.story.contains(&Story::Expired { uai: "A".into() }));
    assert!(plan.emails.contains(&Email::LyceeNew { uai: "B".into(), role: RecipientRole::Pilote }));
    assert!(!plan.emails.iter().any(|e| matches!(e, Email::PilotReminder { .. })));
    // Reminding everyone skips those nobody reads.
    let mut req = sent();
    req.recipients[1].reachable = false;
    let plan = decide(&req, &Event::Tick, datetime!(2026-11-17 08:00 UTC), &cal, &d).expect("relance");
    for e in &plan.emails {
        if let Email::EveryoneReminder { uais } = e {
            assert!(!uais.contains(&"B".to_string()), "{uais:?}");
        }
    }
}

#[test]
fn closing_ends_every_recipient_and_asks_the_company() {
    let (cal, d, now) = (lyon(), Deadlines::default(), START);
    let taken = with(RequestStatus::PriseEnCharge, RecipientStatus::PriseEnCharge, RecipientStatus::Nouvelle);
    let plan =
        decide(&taken, &Event::Close { by: Actor::Lycee("A".into()), outcome: Outcome::Partenariat }, now, &cal, &d)
            .expect("clôturer");
    let after = taken.apply(&plan, now);
    assert_eq!(after.status, RequestStatus::Cloturee);
    assert!(
        after
            .recipients
            .iter()
            .filter(|r| r.role != RecipientRole::Reserve)
            .all(|r| r.status == RecipientStatus::Cloturee),
        "nobody still 'has not answered' on a closed request"
    );
    assert!(plan.emails.contains(&Email::CompanySatisfaction));
    assert_eq!(after.ended_at, Some(now));
    // Rated once.
    let rate = decide(&after, &Event::Rate { score: 5 }, now, &cal, &d).expect("avis");
    let rated = after.apply(&rate, now);
    assert_eq!(rated.satisfaction, Some(5));
    assert_eq!(decide(&rated, &Event::Rate { score: 3 }, now, &cal, &d).err(), Some(Refusal::AlreadyRated));
    assert_eq!(decide(&after, &Event::Rate { score: 0 }, now, &cal, &d).err(), Some(Refusal::BadScore));
    // Re-opened by the lycée within 30 days, not after.
    let later = now + time::Duration::days(31);
    let e = Event::Reopen { by: Actor::Lycee("A".into()), candidates: vec![] };
    assert_eq!(decide(&after, &e, later, &cal, &d).err(), Some(Refusal::TooLateToReopen(30)));
    let back = decide(&after, &e, now + time::Duration::days(29), &cal, &d).expect("rouvrir");
    let reopened = after.apply(&back, now);
    assert_eq!(reopened.status, RequestStatus::PriseEnCharge);
    assert_eq!(reopened.recipients[0].status, RecipientStatus::PriseEnCharge);
    assert_eq!(reopened.ended_at, None);
    // Another lycée cannot re-open it.
    let e = Event::Reopen { by: Actor::Lycee("B".into()), candidates: vec![] };
    assert_eq!(decide(&after, &e, now, &cal, &d).err(), Some(Refusal::NotInvolved));
}

#[test]
fn the_company_is_asked_its_word_once() {
    let (cal, d, now) = (lyon(), Deadlines::default(), START);
    let close = Event::Close { by: Actor::Lycee("A".into()), outcome: Outcome::Realisee };
    let reopen = Event::Reopen { by: Actor::Lycee("A".into()), candidates: vec![] };
    let asks =
        |plan: &domain::lifecycle::Plan| plan.emails.iter().filter(|e| **e == Email::CompanySatisfaction).count();
    let taken = with(RequestStatus::PriseEnCharge, RecipientStatus::PriseEnCharge, RecipientStatus::Nouvelle);
    let first = decide(&taken, &close, now, &cal, &d).expect("clôturer");
    assert_eq!(asks(&first), 1);
    assert!(first.marks.contains(&Mark::SatisfactionAsked));
    let closed = taken.apply(&first, now);
    assert!(closed.satisfaction_asked);
    // Re-opened, closed again: not asked a second time.
    let reopened = closed.apply(&decide(&closed, &reopen, now, &cal, &d).expect("rouvrir"), now);
    let again = decide(&reopened, &close, now, &cal, &d).expect("clôturer encore");
    assert_eq!(asks(&again), 0, "asked once");
    assert!(!again.marks.contains(&Mark::SatisfactionAsked));
}

#[test]
fn the_schedule_counts_in_the_days_of_the_lycee_it_waits_for() {
    let mut req = sent();
    assert_eq!(req.calendar_lycee(), Some("A"), "the pilot that has not answered");
    req.recipients[0].status = RecipientStatus::Expiree;
    req.recipients[1].role = RecipientRole::Pilote;
    assert_eq!(req.calendar_lycee(), Some("B"), "the pilot role moved on");
    req.recipients[1].status = RecipientStatus::Declinee;
    assert_eq!(req.calendar_lycee(), Some("A"), "nobody waiting: the first pilot");
    req.responsible = Some("C".into());
    assert_eq!(req.calendar_lycee(), Some("C"), "the lycée leading the answer");
    req.recipients.clear();
    req.responsible = None;
    assert_eq!(req.calendar_lycee(), None);
}

#[test]
fn pages_show_what_the_function_allows() {
    let (cal, d, now) = (lyon(), Deadlines::default(), START);
    let p = permissions(&sent(), &Viewer::Lycee("A".into()), now, &cal, &d);
    assert_eq!(
        p,
        Permissions {
            can_take: true,
            can_decline: true,
            can_note: true,
            can_hand_over: true,
            ..Permissions::default()
        }
    );
    let closed = with(RequestStatus::Cloturee, RecipientStatus::Cloturee, RecipientStatus::Cloturee);
    let p = permissions(&closed, &Viewer::Lycee("A".into()), now, &cal, &d);
    assert_eq!(p, Permissions { can_reopen: true, ..Permissions::default() }, "a closed request takes no note");
    let p = permissions(&closed, &Viewer::Company, now, &cal, &d);
    assert_eq!(p, Permissions { can_rate: true, ..Permissions::default() });
    let p = permissions(&sent(), &Viewer::Coordination, now, &cal, &d);
    assert!(p.can_reassign && p.can_close && p.can_write && !p.can_take);
}

/// Applies ticks at `at` until nothing is due; the plans.
fn tick(req: &mut Request, at: OffsetDateTime) -> Vec<domain::lifecycle::Plan> {
    let (cal, d) = (lyon(), Deadlines::default());
    let mut plans = Vec::new();
    while let Ok(plan) = decide(req, &Event::Tick, at, &cal, &d) {
        *req = req.apply(&plan, at);
        plans.push(plan);
        assert!(plans.len() < 5, "a tick must reach a fixed point");
    }
    plans
}

#[test]
fn nobody_answers_across_11_november() {
    let cal = lyon();
    let at = |n: u32| cal.add_working_days(START, n) + time::Duration::minutes(1);
    let mut req = sent();
    // The next step is known in advance: the pilot's reminder.
    let d = Deadlines::default();
    assert_eq!(domain::lifecycle::next_due(&req, &cal, &d), Some(cal.add_working_days(START, 2)));
    // 1 working day: nothing; the 11th is a holiday.
    assert!(tick(&mut req, at(1)).is_empty());
    assert!(tick(&mut req, datetime!(2026-11-11 20:00 UTC)).is_empty(), "11 November is not a working day");
    // 2 working days (Thursday 12th): the pilot is reminded, once.
    assert_eq!(at(2).date(), time::macros::date!(2026 - 11 - 12));
    let plans = tick(&mut req, at(2));
    assert_eq!(domain::lifecycle::next_due(&req, &cal, &d), Some(cal.add_working_days(START, 3)), "then its move");
    assert_eq!(plans.len(), 1);
    assert_eq!(plans[0].emails, vec![Email::PilotReminder { uai: "A".into() }]);
    assert!(plans[0].story.contains(&Story::PilotReminded { uai: "A".into() }));
    assert!(tick(&mut req, at(2) + time::Duration::hours(1)).is_empty(), "reminded once");
    // 3 working days (Friday 13th): the pilot role moves to B, C joins.
    let plans = tick(&mut req, at(3));
    assert!(plans[0].story.contains(&Story::Expired { uai: "A".into() }));
    assert_eq!(req.recipients[1].role, RecipientRole::Pilote);
    assert_eq!(req.recipients[2].status, RecipientStatus::Nouvelle);
    // 5 working days: everyone still silent is reminded; B (pilot for 2
    // working days) too.
    let plans = tick(&mut req, at(5));
    let emails: Vec<&Email> = plans.iter().flat_map(|p| &p.emails).collect();
    assert!(emails.contains(&&Email::PilotReminder { uai: "B".into() }), "{emails:?}");
    assert!(emails.iter().any(|e| matches!(e, Email::EveryoneReminder { uais } if uais.contains(&"C".to_string()))));
    // 8 working days: escalation to the coordinator, once.
    let plans = tick(&mut req, at(8));
    assert!(plans.iter().any(|p| p.marks.contains(&Mark::Escalated)), "{plans:?}");
    assert!(
        plans.iter().flat_map(|p| &p.emails).any(|e| *e == Email::Coordination { cause: CoordinationCause::Escalated })
    );
    // Nobody left: the coordination has it.
    tick(&mut req, at(12));
    assert_eq!(req.status, RequestStatus::EnAttente);
    // 20 working days: the honest end.
    let plans = tick(&mut req, at(20));
    assert_eq!(req.status, RequestStatus::SansReponse);
    assert!(plans[0].emails.contains(&Email::CompanyNoAnswer));
    assert!(tick(&mut req, at(25)).is_empty(), "nothing after the end");
    assert_eq!(domain::lifecycle::next_due(&req, &cal, &d), None);
    // The company re-opens it once, towards a lycée a wider search found.
    let now = at(21);
    let e = Event::Reopen { by: Actor::Company, candidates: vec!["A".into(), "D".into()] };
    let plan = decide(&req, &e, now, &cal, &d).expect("relancer");
    req = req.apply(&plan, now);
    assert_eq!(req.status, RequestStatus::Transmise);
    assert_eq!(req.recipients.last().map(|r| (r.uai.as_str(), r.role)), Some(("D", RecipientRole::Pilote)));
    assert_eq!(req.started_at, now, "its clock starts again");
    assert_eq!(decide(&req, &e, now, &cal, &d).err(), Some(Refusal::NotEnded));
}

#[test]
fn taken_without_a_word_then_without_an_outcome() {
    let cal = lyon();
    let (d, mut req) = (Deadlines::default(), sent());
    let plan = decide(&req, &Event::Take { uai: "A".into() }, START, &cal, &d).expect("prendre");
    req = req.apply(&plan, START);
    // Ascension 2027 is far; 5 working days from Monday 9 Nov with the
    // 11th off: Tuesday 17th.
    let five = cal.add_working_days(START, 5);
    assert_eq!(five.date(), time::macros::date!(2026 - 11 - 17));
    assert!(tick(&mut req, five - time::Duration::minutes(1)).is_empty());
    let plans = tick(&mut req, five);
    assert_eq!(plans[0].emails, vec![Email::MessageReminder { uai: "A".into() }]);
    // Written to the company: no reminder would have been sent.
    let mut answered = sent().apply(&plan, START);
    let w = decide(&answered, &Event::Write { by: Actor::Lycee("A".into()) }, START, &cal, &d).expect("écrire");
    assert!(w.marks.contains(&Mark::Answered));
    answered = answered.apply(&w, START);
    assert!(tick(&mut answered, five).is_empty());
    // 45 days without outcome: asked to close, once.
    let plans = tick(&mut answered, START + time::Duration::days(45));
    assert_eq!(plans[0].emails, vec![Email::CloseRequest { uai: "A".into() }]);
    assert!(tick(&mut answered, START + time::Duration::days(60)).is_empty());
}

#[test]
fn ascension_bridge_counts_out() {
    // Sent on Wednesday 5 May 2027 at 10:00 Paris; Thursday 6th is
    // Ascension: 2 working days later is Monday 10th, not Friday 7th.
    let cal = lyon();
    let sent_at = datetime!(2027-05-05 08:00 UTC);
    assert_eq!(cal.add_working_days(sent_at, 2).date(), time::macros::date!(2027 - 05 - 10));
}

#[test]
fn codes_round_trip() {
    for s in RequestStatus::ALL {
        assert_eq!(s.code().parse::<RequestStatus>(), Ok(*s));
        assert_eq!(RequestStatus::try_from(s.to_string()), Ok(*s));
    }
    for s in RecipientStatus::ALL {
        assert_eq!(s.code().parse::<RecipientStatus>(), Ok(*s));
    }
    for s in RecipientRole::ALL {
        assert_eq!(s.code().parse::<RecipientRole>(), Ok(*s));
    }
    for s in Outcome::ALL {
        assert_eq!(s.code().parse::<Outcome>(), Ok(*s));
    }
    assert!("ouverte".parse::<RequestStatus>().is_err());
}

#[test]
fn a_submission_counts_as_the_status_it_starts_in() {
    use domain::lifecycle::Transition;
    assert_eq!(Transition::submitted(RequestStatus::Transmise), Transition::Transmise);
    assert_eq!(Transition::submitted(RequestStatus::EnAttente), Transition::EnAttente);
    assert_eq!(Transition::submitted(RequestStatus::Doublon), Transition::Doublon);
    // Every name once.
    let mut codes: Vec<&str> = Transition::ALL.iter().map(|t| t.code()).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), Transition::ALL.len());
}
