//! The stop signals: blocked in every thread, taken by `sigwait` in the main thread.

/// The signals that stop the service.
pub(crate) struct StopSignals(libc::sigset_t);

const STOP: [libc::c_int; 3] = [libc::SIGTERM, libc::SIGINT, libc::SIGHUP];

/// Blocks the stop signals in the calling thread (and the threads it starts later).
pub(crate) fn block() -> std::io::Result<StopSignals> {
    // SAFETY: sigset_t is plain data; sigemptyset initialises it below before any other use.
    let mut set: libc::sigset_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is a valid, writable sigset_t.
    unsafe { libc::sigemptyset(&mut set) };
    for signal in STOP {
        // SAFETY: `set` is an initialised sigset_t and `signal` a valid signal number.
        unsafe { libc::sigaddset(&mut set, signal) };
    }
    // SAFETY: `set` is initialised; a null old-set pointer is allowed.
    let rc = unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) };
    if rc != 0 {
        return Err(std::io::Error::from_raw_os_error(rc));
    }
    Ok(StopSignals(set))
}

/// Waits until one of the stop signals arrives; returns its number.
pub(crate) fn wait(stop: &StopSignals) -> libc::c_int {
    loop {
        let mut signal = 0;
        // SAFETY: `stop.0` is an initialised sigset_t whose signals this thread blocks;
        // `signal` is writable.
        if unsafe { libc::sigwait(&stop.0, &mut signal) } == 0 {
            return signal;
        }
    }
}

/// The real user id (for the default platform directory's name).
pub(crate) fn uid() -> u32 {
    // SAFETY: getuid has no preconditions and cannot fail.
    unsafe { libc::getuid() }
}

/// Raises the open-file limit as far as this process may: every served channel costs the host
/// kernel two descriptors (its socket, and the duplicate its port watches), every VMO one.
/// Returns the soft limit in effect.
pub(crate) fn raise_fd_limit() -> u64 {
    // SAFETY: rlimit is plain data, fully written by getrlimit before it is read.
    let mut limit: libc::rlimit = unsafe { std::mem::zeroed() };
    // SAFETY: `limit` is a valid, writable rlimit.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return 0;
    }
    // Privileged processes may go beyond the hard limit (up to fs.nr_open).
    let wanted = libc::rlimit {
        rlim_cur: limit.rlim_max.max(1 << 20),
        rlim_max: limit.rlim_max.max(1 << 20),
    };
    // SAFETY: `wanted` is a valid rlimit; setrlimit only reads it.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &wanted) } == 0 {
        return wanted.rlim_cur;
    }
    limit.rlim_cur = limit.rlim_max;
    // SAFETY: `limit` is a valid rlimit; setrlimit only reads it.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) } == 0 {
        return limit.rlim_cur;
    }
    limit.rlim_cur
}
