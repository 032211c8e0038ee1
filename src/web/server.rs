//! The HTTP server: our own accept loop on hyper instead of `axum::serve`,
//! which has no read timeouts, no cap on connections and an unbounded
//! graceful shutdown. Without them a client that half-sends its headers or
//! trickles a body holds a connection (a file descriptor) forever: a few
//! hundred such clients exhaust the descriptors ("Too many open files") and
//! keep the process alive after SIGTERM. See docs/decisions.md § 14.
//!
//! HTTP/1.1 only, as before (axum's `http2` feature was never on): the
//! service sits behind a reverse proxy that speaks HTTP/1.1 to it, and
//! hyper's header read timeout is an HTTP/1 setting.

use crate::config::HttpLimits;
use axum::Router;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::ConnectInfo;
use axum::http::{HeaderValue, Request, Response, StatusCode, header};
use hyper::body::{Frame, Incoming};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tower::ServiceExt;

/// File descriptors kept for everything but client connections: database
/// pool (SQLite: database, WAL and shared-memory files per connection),
/// SMTP and outgoing HTTPS clients, the listener, the runtime's own.
const RESERVED_DESCRIPTORS: u64 = 128;

/// How long the loop pauses after an accept error other than a client
/// giving up (EMFILE, ENFILE, ENOBUFS): retrying at once would spin on the
/// same error until a descriptor is freed.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(500);

/// Raises the soft limit of open files to the hard limit, as far as this
/// process may, and returns the soft limit now in force. Distributions
/// start services with a soft limit of 1024 whatever the hard limit, which
/// would put the ceiling of connections well below what the machine
/// allows; every connection is one descriptor, so the soft limit is what
/// `MLP_MAX_CONNECTIONS` must fit into.
pub fn raise_open_files_limit() -> Option<u64> {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(soft) => Some(soft),
        Err(e) => {
            tracing::warn!(erreur = %e, "limite de fichiers ouverts non relevée");
            rlimit::Resource::NOFILE.get().ok().map(|(soft, _)| soft)
        }
    }
}

/// The connections served at once: the configured cap, lowered so that
/// the connections and what the process itself opens (`RESERVED_DESCRIPTORS`)
/// stay within the open-files limit `soft_limit`; at least one.
pub fn connection_cap(configured: usize, soft_limit: Option<u64>) -> usize {
    let Some(soft) = soft_limit else { return configured.max(1) };
    let room = usize::try_from(soft.saturating_sub(RESERVED_DESCRIPTORS)).unwrap_or(usize::MAX);
    configured.min(room).max(1)
}

/// Logs a condition once when it starts, not at every occurrence while it
/// lasts (a full server sees it at every accept).
#[derive(Default)]
struct Burst(bool);

impl Burst {
    /// True the first time since the condition last ended.
    fn starts(&mut self) -> bool {
        !std::mem::replace(&mut self.0, true)
    }

    fn ends(&mut self) {
        self.0 = false;
    }
}

/// The connections each client address holds open, so that one client
/// cannot take every slot of the cap: with the cap full of one client's
/// idle connections, everyone else waited in the backlog (18 s for a
/// `/livez`, issue 24). IPv6 clients count by /64, the block one
/// subscriber is given (an address of their own per connection is free
/// to them); reverse proxies named in `MLP_TRUSTED_PROXIES` are exempt.
#[derive(Clone)]
struct PerAddress {
    limit: usize,
    exempt: Arc<[IpAddr]>,
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

/// One connection counted for its client; uncounted when dropped (the
/// connection ended).
struct AddressSlot {
    key: IpAddr,
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(n) = open.get_mut(&self.key) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.key);
            }
        }
    }
}

impl PerAddress {
    fn new(limits: &HttpLimits) -> PerAddress {
        PerAddress {
            limit: limits.max_connections_per_ip.max(1),
            exempt: limits.per_ip_exempt.iter().map(|ip| client_key(*ip)).collect(),
            open: Arc::default(),
        }
    }

    /// Counts a new connection of `ip`: `Ok(None)` for an exempt proxy,
    /// `Err(())` when the client already holds its limit.
    fn admit(&self, ip: IpAddr) -> Result<Option<AddressSlot>, ()> {
        let key = client_key(ip);
        if self.exempt.contains(&key) {
            return Ok(None);
        }
        let mut open = self.open.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let n = open.entry(key).or_default();
        if *n >= self.limit {
            return Err(());
        }
        *n += 1;
        Ok(Some(AddressSlot { key, open: self.open.clone() }))
    }
}

/// Who a client is for the per-address limit: its IPv4 address (an
/// IPv4-mapped IPv6 one read as such), or the /64 of its IPv6 address.
fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !u128::from(u64::MAX))),
        },
    }
}

/// Serves `app` on `listener` until `shutdown` completes, within `limits`:
/// - a client has `header_read_timeout` to send a request's headers (hyper
///   closes the connection otherwise), which also bounds how long an idle
///   keep-alive connection stays open;
/// - a request's body must arrive within `body_read_timeout` of its
///   headers, else the answer is 408 and the connection is closed;
/// - at most `connection_cap(max_connections, …)` connections at once: at
///   the cap the loop stops accepting until one ends, and new clients wait
///   in the kernel's backlog (back-pressure, never "Too many open files");
/// - at most `max_connections_per_ip` of them from one client address
///   ([`PerAddress`]): a client's connection beyond is closed at once;
/// - on shutdown, the listener is closed, every connection is asked to
///   finish its request in flight and close, and those still open after
///   `shutdown_grace` are dropped.
///
/// Handlers see the client's address as `ConnectInfo<SocketAddr>`, as with
/// `into_make_service_with_connect_info` (rate limits use it).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: &HttpLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let cap = connection_cap(limits.max_connections, rlimit::Resource::NOFILE.get().ok().map(|(soft, _)| soft));
    if cap < limits.max_connections {
        tracing::warn!(
            configure = limits.max_connections,
            retenu = cap,
            "MLP_MAX_CONNECTIONS abaissé pour tenir dans la limite de fichiers ouverts du processus"
        );
    }
    let slots = Arc::new(Semaphore::new(cap));
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout);
    let body_timeout = limits.body_read_timeout;
    let mut connections = JoinSet::new();
    let mut full = Burst::default();
    let mut failing = Burst::default();
    let per_address = PerAddress::new(limits);
    let mut crowding = Burst::default();
    let mut shutdown = std::pin::pin!(shutdown);

    loop {
        // Forget the connections that ended (their results are nothing).
        while connections.try_join_next().is_some() {}
        let slot = match slots.clone().try_acquire_owned() {
            Ok(slot) => {
                full.ends();
                slot
            }
            Err(_) => {
                if full.starts() {
                    tracing::warn!(
                        max = cap,
                        "nombre maximal de connexions atteint : les nouveaux clients attendent qu'une connexion se termine"
                    );
                }
                tokio::select! {
                    slot = slots.clone().acquire_owned() => match slot {
                        Ok(slot) => slot,
                        Err(_) => break, // never closed
                    },
                    () = &mut shutdown => break,
                }
            }
        };
        let (stream, addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => {
                    failing.ends();
                    accepted
                }
                Err(e) if is_client_error(&e) => continue,
                Err(e) => {
                    if failing.starts() {
                        tracing::error!(erreur = %e, "acceptation des connexions impossible : nouvel essai dans un instant");
                    }
                    tokio::select! {
                        () = tokio::time::sleep(ACCEPT_ERROR_PAUSE) => continue,
                        () = &mut shutdown => break,
                    }
                }
            },
            () = &mut shutdown => break,
        };
        let address_slot = match per_address.admit(addr.ip()) {
            Ok(counted) => {
                crowding.ends();
                counted
            }
            Err(()) => {
                // Closed at once (the stream and the slot are dropped):
                // answering would mean reading its request, holding the
                // slot the limit is there to free.
                if crowding.starts() {
                    tracing::warn!(
                        client = %addr.ip(),
                        max = per_address.limit,
                        "trop de connexions ouvertes depuis une même adresse : les suivantes sont fermées"
                    );
                }
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let router = app.clone();
        let service =
            hyper::service::service_fn(move |req: Request<Incoming>| handle(router.clone(), addr, body_timeout, req));
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        connections.spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(client = %addr, erreur = %e, "connexion interrompue");
            }
            drop(address_slot);
            drop(slot);
        });
    }

    // New clients are refused from here on rather than left in the backlog.
    drop(listener);
    let open = cap - slots.available_permits();
    tracing::info!(connexions = open, "plus de nouvelles connexions ; fin des requêtes en cours");
    tokio::select! {
        () = graceful.shutdown() => tracing::info!("toutes les connexions sont terminées"),
        () = tokio::time::sleep(limits.shutdown_grace) => {
            tracing::warn!(
                connexions = cap - slots.available_permits(),
                delai_s = limits.shutdown_grace.as_secs(),
                "délai de grâce écoulé : connexions restantes fermées"
            );
        }
    }
    connections.shutdown().await;
    Ok(())
}

/// Errors of one client that gave up before being accepted: nothing to do
/// about them, and the next accept is fine.
fn is_client_error(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    matches!(e.kind(), ConnectionAborted | ConnectionRefused | ConnectionReset)
}

/// One request: the client's address for the handlers, the body under its
/// deadline, and 408 if the deadline cut it.
async fn handle(
    router: Router,
    addr: SocketAddr,
    body_timeout: Duration,
    mut req: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    req.extensions_mut().insert(ConnectInfo(addr));
    let expired = Arc::new(AtomicBool::new(false));
    let req = req.map(|body| {
        if body.is_end_stream() { Body::new(body) } else { Body::new(DeadlineBody::new(body, body_timeout, &expired)) }
    });
    let res = router.oneshot(req).await?;
    if !expired.load(Ordering::Relaxed) {
        return Ok(res);
    }
    tracing::info!(client = %addr, "corps de requête reçu trop lentement : 408");
    // The handler saw a broken body and answered something else: the
    // client is told what really happened, and the connection (with the
    // rest of its body still unread) is closed.
    let mut timeout = Response::new(Body::from("Délai dépassé : le corps de la requête n'est pas arrivé à temps.\n"));
    *timeout.status_mut() = StatusCode::REQUEST_TIMEOUT;
    let h = timeout.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    h.insert(header::CONNECTION, HeaderValue::from_static("close"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if let Some(id) = res.headers().get("x-request-id") {
        h.insert("x-request-id", id.clone());
    }
    Ok(timeout)
}

/// A request body that must arrive whole before a deadline set when its
/// headers arrived. tower-http's `TimeoutBody` restarts its timer at every
/// frame, so a client sending one byte a second would never trip it; this
/// deadline is for the whole body. When it passes, the next read fails and
/// `expired` tells `handle` to answer 408.
struct DeadlineBody {
    inner: Incoming,
    deadline: Pin<Box<tokio::time::Sleep>>,
    expired: Arc<AtomicBool>,
}

impl DeadlineBody {
    fn new(inner: Incoming, timeout: Duration, expired: &Arc<AtomicBool>) -> DeadlineBody {
        DeadlineBody { inner, deadline: Box::pin(tokio::time::sleep(timeout)), expired: expired.clone() }
    }
}

/// The deadline passed before the whole body arrived.
#[derive(Debug)]
struct BodyDeadlinePassed;

impl std::fmt::Display for BodyDeadlinePassed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("corps de la requête non reçu dans le délai")
    }
}

impl std::error::Error for BodyDeadlinePassed {}

impl HttpBody for DeadlineBody {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        // What has already arrived is given even at the deadline.
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        if self.deadline.as_mut().poll(cx).is_ready() {
            self.expired.store(true, Ordering::Relaxed);
            return Poll::Ready(Some(Err(Box::new(BodyDeadlinePassed))));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::{Burst, PerAddress, connection_cap};
    use crate::config::HttpLimits;

    #[test]
    fn each_address_holds_its_limit_proxies_aside() {
        let ip = |s: &str| s.parse::<std::net::IpAddr>().expect("adresse");
        let limits =
            HttpLimits { max_connections_per_ip: 2, per_ip_exempt: vec![ip("10.0.0.1")], ..HttpLimits::default() };
        let per = PerAddress::new(&limits);
        let a1 = per.admit(ip("203.0.113.7")).expect("first");
        let a2 = per.admit(ip("203.0.113.7")).expect("second");
        assert!(per.admit(ip("203.0.113.7")).is_err(), "a third is refused");
        assert!(per.admit(ip("::ffff:203.0.113.7")).is_err(), "the same client written as IPv6");
        assert!(per.admit(ip("203.0.113.8")).is_ok_and(|s| s.is_some()), "another client is not affected");
        drop(a1);
        assert!(per.admit(ip("203.0.113.7")).is_ok(), "a connection ended: room again");
        drop(a2);
        // IPv6: one subscriber's /64 is one client.
        let b1 = per.admit(ip("2001:db8:1:2::1")).expect("first");
        let b2 = per.admit(ip("2001:db8:1:2:ffff::9")).expect("second");
        assert!(per.admit(ip("2001:db8:1:2::3")).is_err(), "the same /64");
        assert!(per.admit(ip("2001:db8:1:3::1")).is_ok(), "another /64");
        drop((b1, b2));
        // The trusted proxy carries everyone's connections.
        let through_proxy: Vec<_> = (0..10).map(|_| per.admit(ip("10.0.0.1")).expect("exempt")).collect();
        assert!(through_proxy.iter().all(Option::is_none));
        // Every connection ended: nobody is counted any more (the map
        // does not grow with every client ever seen).
        drop(through_proxy);
        assert!(per.open.lock().expect("verrou").is_empty());
    }

    #[test]
    fn the_cap_fits_in_the_open_files_limit() {
        assert_eq!(connection_cap(1024, Some(1_048_576)), 1024, "a high limit leaves the setting alone");
        assert_eq!(connection_cap(1024, Some(1024)), 896, "the descriptors the process needs are kept aside");
        assert_eq!(connection_cap(1024, Some(100)), 1, "never zero: the service must still answer");
        assert_eq!(connection_cap(50, None), 50, "no limit known: the setting");
    }

    #[test]
    fn a_burst_is_reported_once() {
        let mut b = Burst::default();
        assert!(b.starts());
        assert!(!b.starts());
        b.ends();
        assert!(b.starts());
    }
}
