// The clock shim, libfiredrill-clock.so: an LD_PRELOAD library that shows the processes of one node
// a skewed wall clock. The controller (ClockControlFile, harness/lab/clock/clock_control_file.h) writes
// the skew into the node's clock control page (harness/lab/clock/clock_control.h); every process of the
// node maps that page once and reads it on each wall-clock read: a few memory loads, no system
// call, so a read costs about as much as the vDSO read under it (harness/lab/clock/README.md has the
// measured figures, beside libfaketime's, which this replaces).
//
// What is skewed: reads of CLOCK_REALTIME, CLOCK_REALTIME_COARSE, CLOCK_REALTIME_ALARM and
// CLOCK_TAI through clock_gettime, gettimeofday, time and timespec_get(TIME_UTC). Every other clock
// (MONOTONIC, BOOTTIME, the CPU-time clocks) and every relative timeout (nanosleep, usleep, sleep,
// relative clock_nanosleep, select, poll, epoll, waits on a MONOTONIC clock) is not touched: those
// functions are not even interposed.
//
// What is translated: functions that take an absolute deadline on the wall clock, which a program
// computes from the skewed clock ("now + 1 s"). The deadline is moved from the node's time to real
// time before the real function runs, so the program waits 1 s, as it would on a host whose system
// clock really were skewed: clock_nanosleep(TIMER_ABSTIME) on REALTIME or TAI,
// pthread_cond_timedwait on a REALTIME condvar, pthread_cond_clockwait, sem_timedwait,
// sem_clockwait, pthread_mutex_timedlock, pthread_mutex_clocklock, pthread_rwlock_timed*lock,
// pthread_rwlock_clock*lock, and timerfd_settime(TFD_TIMER_ABSTIME) on a REALTIME timerfd. A skew
// changed during a wait does not move that wait's deadline (a real clock step would).
//
// Set-up happens once, when the library is loaded (a constructor), or on the first interposed call
// when that comes first (another library's constructor reading the clock): FIREDRILL_CLOCK_CONTROL
// names the page; it is opened read-write (read-only when the file is not writable: then the
// process never acknowledges), mapped, and its magic checked. Any failure leaves the process on
// real time; the shim never prints and never aborts. A process started with
// FIREDRILL_CLOCK_WITNESS=1 is the controller's witness: it shows the skew but never writes the
// page's acknowledgement (seen_*), so an acknowledgement proves a process of the node read the skew.
//
// Built without the C++ runtime (no exceptions, RTTI, new or library types beyond the header-only
// <atomic>, <bit> and <cstdint>) and without sanitizers, so it loads into any dynamically linked
// program. Every global here is constant-initialized: no read depends on a constructor having run.
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <bit>
#include <cstdint>
#include <cstdlib>

#include "clock/clock_control.h"

// The interposed functions are the shim's only exported symbols (it is built with hidden
// visibility).
#define FIREDRILL_INTERPOSED extern "C" __attribute__((visibility("default")))

// 32-bit glibc with 64-bit time_t calls __clock_gettime64 and friends instead, which this shim
// does not interpose. On x86_64 glibc 2.36 there is no clock_gettime64, and __clock_gettime is
// GLIBC_PRIVATE (libc's own internal calls, which no preload can reach): neither is interposed.
static_assert(sizeof(time_t) == 8, "the clock shim interposes the 64-bit time_t functions only");

namespace {

using firedrill::ClockControl;

constexpr int64_t ns_per_s = 1'000'000'000;
constexpr int64_t ns_per_us = 1'000;
// How often a reader retries a page the writer keeps changing under it before it shows real time
// instead: a controller that died halfway through a write must not hang the node's clock reads.
constexpr int seqlock_retries_max = 1'000;
// Rates outside (0, rate_max] are not from a sane controller; such a page is read as the identity.
constexpr double rate_max = 1e6;
// Deadlines further than this from the epoch (year 2106) mean "never" in practice (programs pass
// far-future times to wait for ever); they are passed through as they are, which also keeps the
// arithmetic below far from int64 overflow.
constexpr int64_t deadline_s_max = int64_t{1} << 32;
// timerfds are tracked by fd number in a fixed bitmap, so timerfd_settime can tell a REALTIME one
// without a system call. An fd at or above this is passed through untranslated.
constexpr int timerfd_tracked_fds_max = 65'536;
constexpr int bits_per_word = 64;

// The arithmetic saturates at the int64 range instead of overflowing (undefined behaviour): only a
// page no controller writes, or an absurd deadline, gets there, and must not crash the node.
int64_t add_saturated(int64_t a, int64_t b) {
  int64_t sum = 0;
  if (!__builtin_add_overflow(a, b, &sum)) return sum;
  return b > 0 ? INT64_MAX : INT64_MIN;
}

int64_t subtract_saturated(int64_t a, int64_t b) {
  int64_t difference = 0;
  if (!__builtin_sub_overflow(a, b, &difference)) return difference;
  return b < 0 ? INT64_MAX : INT64_MIN;
}

int64_t to_int64_saturated(double value) {
  // The largest doubles below 2^63 in magnitude; NaN (never from a sane rate) reads as 0.
  constexpr double limit = 9.2e18;
  if (value >= limit) return INT64_MAX;
  if (value <= -limit) return INT64_MIN;
  return value == value ? static_cast<int64_t>(value) : 0;
}

// The skew one read of the page found: fake(real) = fake_anchor_ns + (real - real_anchor_ns) * rate.
struct Skew {
  int64_t real_anchor_ns = 0;
  int64_t fake_anchor_ns = 0;
  double rate = 1.0;
  uint64_t generation = 0;

  bool is_identity() const { return rate == 1.0 && real_anchor_ns == fake_anchor_ns; }
  int64_t fake_from_real(int64_t real_ns) const {
    const int64_t since_anchor_ns = subtract_saturated(real_ns, real_anchor_ns);
    if (rate == 1.0) return add_saturated(fake_anchor_ns, since_anchor_ns);
    return add_saturated(fake_anchor_ns, to_int64_saturated(static_cast<double>(since_anchor_ns) * rate));
  }
  int64_t real_from_fake(int64_t fake_ns) const {
    const int64_t since_anchor_ns = subtract_saturated(fake_ns, fake_anchor_ns);
    if (rate == 1.0) return add_saturated(real_anchor_ns, since_anchor_ns);
    return add_saturated(real_anchor_ns, to_int64_saturated(static_cast<double>(since_anchor_ns) / rate));
  }
};

// A function of the next library in the search order (libc), looked up on first use. `version`
// pins a symbol version where the default one would be wrong (null: the default).
template <typename Function>
struct NextFunction {
  const char* name;
  const char* version;
  std::atomic<Function*> address;

  // The function, or null when the lookup failed (never with glibc).
  Function* get() {
    Function* found = address.load(std::memory_order_acquire);
    if (found != nullptr) return found;
    void* symbol = version != nullptr ? dlvsym(RTLD_NEXT, name, version) : nullptr;
    if (symbol == nullptr) symbol = dlsym(RTLD_NEXT, name);
    found = reinterpret_cast<Function*>(symbol);
    address.store(found, std::memory_order_release);
    return found;
  }
};

// decltype of a glibc declaration carries its nonnull attributes, which a template argument
// drops: harmless, the real function is called with the caller's own arguments.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wignored-attributes"
constinit NextFunction<decltype(clock_gettime)> next_clock_gettime{"clock_gettime", nullptr, nullptr};
constinit NextFunction<decltype(gettimeofday)> next_gettimeofday{"gettimeofday", nullptr, nullptr};
constinit NextFunction<decltype(time)> next_time{"time", nullptr, nullptr};
constinit NextFunction<decltype(timespec_get)> next_timespec_get{"timespec_get", nullptr, nullptr};
constinit NextFunction<decltype(clock_nanosleep)> next_clock_nanosleep{"clock_nanosleep", nullptr, nullptr};
// x86_64 glibc also exports pthread_cond_timedwait@GLIBC_2.2.5, the pre-2.3.2 condvar kept for old
// binaries; programs built since then use GLIBC_2.3.2, the condvar this shim's callers pass.
constinit NextFunction<decltype(pthread_cond_timedwait)> next_pthread_cond_timedwait{
    "pthread_cond_timedwait", "GLIBC_2.3.2", nullptr};
constinit NextFunction<decltype(pthread_cond_clockwait)> next_pthread_cond_clockwait{
    "pthread_cond_clockwait", nullptr, nullptr};
constinit NextFunction<decltype(sem_timedwait)> next_sem_timedwait{"sem_timedwait", nullptr, nullptr};
constinit NextFunction<decltype(sem_clockwait)> next_sem_clockwait{"sem_clockwait", nullptr, nullptr};
constinit NextFunction<decltype(pthread_mutex_timedlock)> next_pthread_mutex_timedlock{
    "pthread_mutex_timedlock", nullptr, nullptr};
constinit NextFunction<decltype(pthread_mutex_clocklock)> next_pthread_mutex_clocklock{
    "pthread_mutex_clocklock", nullptr, nullptr};
constinit NextFunction<decltype(pthread_rwlock_timedrdlock)> next_pthread_rwlock_timedrdlock{
    "pthread_rwlock_timedrdlock", nullptr, nullptr};
constinit NextFunction<decltype(pthread_rwlock_timedwrlock)> next_pthread_rwlock_timedwrlock{
    "pthread_rwlock_timedwrlock", nullptr, nullptr};
constinit NextFunction<decltype(pthread_rwlock_clockrdlock)> next_pthread_rwlock_clockrdlock{
    "pthread_rwlock_clockrdlock", nullptr, nullptr};
constinit NextFunction<decltype(pthread_rwlock_clockwrlock)> next_pthread_rwlock_clockwrlock{
    "pthread_rwlock_clockwrlock", nullptr, nullptr};
constinit NextFunction<decltype(timerfd_create)> next_timerfd_create{"timerfd_create", nullptr, nullptr};
constinit NextFunction<decltype(timerfd_settime)> next_timerfd_settime{"timerfd_settime", nullptr, nullptr};
#pragma GCC diagnostic pop

// Set-up: uninitialized → initializing (one thread maps the page) → ready. Other threads, and a
// clock read made by the set-up itself, see real time until it is ready rather than wait.
enum InitState : int { uninitialized, initializing, ready };
constinit std::atomic<int> init_state{uninitialized};
// Written once, before init_state becomes ready (release), read after it is (acquire).
constinit ClockControl* control = nullptr;
constinit bool may_acknowledge = false;

// Bit fd is set while fd is a timerfd created on CLOCK_REALTIME or CLOCK_REALTIME_ALARM by this
// process. close() is not interposed: a stale bit is harmless, since timerfd_create of another
// clock clears it and timerfd_settime on anything but a timerfd fails anyway. Fds inherited across
// exec, or duplicated with dup(), are not tracked (passed through).
constinit std::atomic<uint64_t> realtime_timerfds[timerfd_tracked_fds_max / bits_per_word] = {};

// Maps the control page at `path` and checks it; null when any step fails.
ClockControl* map_control_page(const char* path, bool* writable) {
  if (path == nullptr || path[0] == '\0') return nullptr;
  int fd = open(path, O_RDWR | O_CLOEXEC);
  *writable = fd >= 0;
  if (fd < 0 && (errno == EACCES || errno == EPERM || errno == EROFS)) fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return nullptr;
  struct stat status {};
  // A read of a mapped page wholly past the end of the file (an empty one) raises SIGBUS.
  const bool usable = fstat(fd, &status) == 0 && S_ISREG(status.st_mode) &&
                      status.st_size >= static_cast<off_t>(firedrill::clock_control_bytes);
  void* page = MAP_FAILED;
  if (usable) {
    const int protection = *writable ? PROT_READ | PROT_WRITE : PROT_READ;
    page = mmap(nullptr, firedrill::clock_control_bytes, protection, MAP_SHARED, fd, 0);
  }
  close(fd);
  if (page == MAP_FAILED) return nullptr;
  auto* mapped = static_cast<ClockControl*>(page);
  if (__atomic_load_n(&mapped->magic, __ATOMIC_RELAXED) != firedrill::clock_control_magic) {
    munmap(page, firedrill::clock_control_bytes);
    return nullptr;
  }
  return mapped;
}

// Runs the set-up once; returns at once when another thread (or this one, further up its stack)
// is running it. Leaves errno as it found it: it runs inside the caller's clock read.
__attribute__((noinline, cold)) void initialize() {
  int expected = uninitialized;
  if (!init_state.compare_exchange_strong(expected, initializing, std::memory_order_acq_rel)) return;
  const int saved_errno = errno;
  next_clock_gettime.get();
  next_gettimeofday.get();
  next_time.get();
  next_timespec_get.get();
  bool writable = false;
  control = map_control_page(std::getenv(firedrill::clock_control_env), &writable);
  const char* witness = std::getenv(firedrill::clock_witness_env);
  const bool is_witness = witness != nullptr && witness[0] == '1' && witness[1] == '\0';
  may_acknowledge = control != nullptr && writable && !is_witness;
  errno = saved_errno;
  init_state.store(ready, std::memory_order_release);
}

// Also run the set-up when the library is loaded, before the program's own constructors and main:
// a program that clears or rewrites its environment before its first clock read still finds the
// page. The lazy path above covers reads made before this runs (other libraries' constructors).
__attribute__((constructor)) void initialize_at_load() { initialize(); }

// The control page, or null when there is none (or the set-up is still running).
inline ClockControl* control_page() {
  if (__builtin_expect(init_state.load(std::memory_order_acquire) != ready, 0)) {
    initialize();
    if (init_state.load(std::memory_order_acquire) != ready) return nullptr;
  }
  return control;
}

// Tells the CPU this is a spin-wait (saves power, lets the writer's core run).
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// Reads the skew consistently (seqlock); false when the writer never let go of the page or the
// rate is not sane: the caller then shows real time.
bool read_skew(const ClockControl& page, Skew* skew) {
  for (int attempt = 0; attempt < seqlock_retries_max; ++attempt) {
    const uint32_t before = page.sequence.load(std::memory_order_acquire);
    if ((before & 1) != 0) {
      cpu_relax();
      continue;
    }
    skew->real_anchor_ns = page.real_anchor_ns.load(std::memory_order_relaxed);
    skew->fake_anchor_ns = page.fake_anchor_ns.load(std::memory_order_relaxed);
    skew->rate = std::bit_cast<double>(page.rate_bits.load(std::memory_order_relaxed));
    skew->generation = page.generation.load(std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (page.sequence.load(std::memory_order_relaxed) == before) return skew->rate > 0.0 && skew->rate <= rate_max;
  }
  return false;
}

// Records that this process read `generation`, unless the page already says so. Two processes
// may both write; either is a true acknowledgement. A process still holding an older read can
// move seen_generation back for a moment; the next read of the newest one writes it again.
void acknowledge(ClockControl& page, uint64_t generation, int64_t real_ns, int64_t fake_ns) {
  if (page.seen_generation.load(std::memory_order_relaxed) == generation) return;
  page.seen_pid.store(getpid(), std::memory_order_relaxed);
  page.seen_real_ns.store(real_ns, std::memory_order_relaxed);
  page.seen_fake_ns.store(fake_ns, std::memory_order_relaxed);
  page.seen_generation.store(generation, std::memory_order_release);
}

int64_t to_ns(const timespec& ts) { return ts.tv_sec * ns_per_s + ts.tv_nsec; }

timespec to_timespec(int64_t ns) {
  timespec ts{};
  ts.tv_sec = ns / ns_per_s;
  ts.tv_nsec = ns % ns_per_s;
  if (ts.tv_nsec < 0) {
    ts.tv_sec -= 1;
    ts.tv_nsec += ns_per_s;
  }
  return ts;
}

// The node's wall-clock time for the real wall-clock time `real_ns`, acknowledging a new
// generation; `real_ns` itself when there is no page or it cannot be read.
int64_t fake_wall_ns(ClockControl& page, int64_t real_ns) {
  Skew skew;
  if (!read_skew(page, &skew)) return real_ns;
  const int64_t fake_ns = skew.fake_from_real(real_ns);
  if (may_acknowledge) acknowledge(page, skew.generation, real_ns, fake_ns);
  return fake_ns;
}

// The real CLOCK_REALTIME (or any clock), through libc; through the system call while the set-up
// has not yet found libc's function.
int real_clock_gettime(clockid_t clock, timespec* ts) {
  auto* next = next_clock_gettime.address.load(std::memory_order_acquire);
  if (next != nullptr) return next(clock, ts);
  return static_cast<int>(syscall(SYS_clock_gettime, clock, ts));
}

// TAI minus UTC, whole seconds (37 s since 2017), from one read of each clock.
int64_t tai_offset_ns() {
  timespec tai{};
  timespec utc{};
  if (real_clock_gettime(CLOCK_TAI, &tai) != 0 || real_clock_gettime(CLOCK_REALTIME, &utc) != 0) return 0;
  const int64_t difference_ns = to_ns(tai) - to_ns(utc);
  return (difference_ns + ns_per_s / 2) / ns_per_s * ns_per_s;
}

bool is_realtime_clock(clockid_t clock) {
  return clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_COARSE || clock == CLOCK_REALTIME_ALARM;
}

// The real deadline for `fake` on `clock` (an absolute time on the node's REALTIME or TAI clock);
// false when it is to be passed as it is: another clock, no page, the identity, an invalid
// timespec (the real function reports EINVAL) or a far-future one.
bool real_deadline(clockid_t clock, const timespec* fake, timespec* real) {
  if (clock != CLOCK_REALTIME && clock != CLOCK_REALTIME_ALARM && clock != CLOCK_TAI) return false;
  ClockControl* page = control_page();
  if (page == nullptr || fake == nullptr) return false;
  if (fake->tv_nsec < 0 || fake->tv_nsec >= ns_per_s) return false;
  if (fake->tv_sec < -deadline_s_max || fake->tv_sec > deadline_s_max) return false;
  Skew skew;
  if (!read_skew(*page, &skew) || skew.is_identity()) return false;
  // A TAI time is the UTC time plus a whole number of seconds; the skew is defined on UTC.
  const int64_t tai_ns = clock == CLOCK_TAI ? tai_offset_ns() : 0;
  *real = to_timespec(add_saturated(skew.real_from_fake(to_ns(*fake) - tai_ns), tai_ns));
  return true;
}

// Translates an absolute REALTIME deadline in place when there is one to translate; returns the
// pointer to pass on.
const timespec* translated(clockid_t clock, const timespec* deadline, timespec* storage) {
  return real_deadline(clock, deadline, storage) ? storage : deadline;
}

// glibc ≥ 2.25 keeps a condvar's clock in bit 1 (value 2) of __data.__wrefs: set for
// CLOCK_MONOTONIC (pthread_condattr_setclock), clear for CLOCK_REALTIME, the default.
constexpr unsigned condvar_monotonic_bit = 2;

clockid_t condvar_clock(pthread_cond_t* cond) {
  const unsigned wrefs = __atomic_load_n(&cond->__data.__wrefs, __ATOMIC_RELAXED);
  return (wrefs & condvar_monotonic_bit) != 0 ? CLOCK_MONOTONIC : CLOCK_REALTIME;
}

void track_timerfd(int fd, clockid_t clock) {
  if (fd < 0 || fd >= timerfd_tracked_fds_max) return;
  const uint64_t bit = uint64_t{1} << (fd % bits_per_word);
  std::atomic<uint64_t>& word = realtime_timerfds[fd / bits_per_word];
  if (clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_ALARM) {
    word.fetch_or(bit, std::memory_order_relaxed);
  } else {
    word.fetch_and(~bit, std::memory_order_relaxed);
  }
}

bool is_realtime_timerfd(int fd) {
  if (fd < 0 || fd >= timerfd_tracked_fds_max) return false;
  const uint64_t bit = uint64_t{1} << (fd % bits_per_word);
  return (realtime_timerfds[fd / bits_per_word].load(std::memory_order_relaxed) & bit) != 0;
}

}  // namespace

// ---- Reads of the wall clock: skewed.

FIREDRILL_INTERPOSED int clock_gettime(clockid_t clock, timespec* ts) noexcept {
  ClockControl* page = control_page();
  const int result = real_clock_gettime(clock, ts);
  if (page == nullptr || result != 0) return result;
  if (is_realtime_clock(clock)) {
    *ts = to_timespec(fake_wall_ns(*page, to_ns(*ts)));
  } else if (clock == CLOCK_TAI) {
    const int64_t tai_ns = tai_offset_ns();
    *ts = to_timespec(add_saturated(fake_wall_ns(*page, to_ns(*ts) - tai_ns), tai_ns));
  }
  return result;
}

FIREDRILL_INTERPOSED int gettimeofday(timeval* tv, void* tz) noexcept {
  ClockControl* page = control_page();
  auto* next = next_gettimeofday.get();
  if (next == nullptr) return static_cast<int>(syscall(SYS_gettimeofday, tv, tz));
  const int result = next(tv, tz);
  // gettimeofday(NULL, &tz) is allowed by the kernel; the shim is built with
  // -fno-delete-null-pointer-checks so that this check survives the header's nonnull.
  if (page == nullptr || result != 0 || tv == nullptr) return result;
  const int64_t fake_ns = fake_wall_ns(*page, tv->tv_sec * ns_per_s + tv->tv_usec * ns_per_us);
  const timespec fake = to_timespec(fake_ns);
  tv->tv_sec = fake.tv_sec;
  tv->tv_usec = fake.tv_nsec / ns_per_us;
  return result;
}

FIREDRILL_INTERPOSED time_t time(time_t* result) noexcept {
  ClockControl* page = control_page();
  if (page == nullptr) {
    auto* next = next_time.get();
    if (next != nullptr) return next(result);
  }
  // From the precise clock, not time()'s coarse one, so that time() and clock_gettime() agree.
  timespec now{};
  if (real_clock_gettime(CLOCK_REALTIME, &now) != 0) return static_cast<time_t>(-1);
  const time_t seconds = page != nullptr ? to_timespec(fake_wall_ns(*page, to_ns(now))).tv_sec : now.tv_sec;
  if (result != nullptr) *result = seconds;
  return seconds;
}

FIREDRILL_INTERPOSED int timespec_get(timespec* ts, int base) noexcept {
  ClockControl* page = control_page();
  auto* next = next_timespec_get.get();
  if (next == nullptr) return 0;
  const int result = next(ts, base);
  if (page == nullptr || result != TIME_UTC) return result;
  *ts = to_timespec(fake_wall_ns(*page, to_ns(*ts)));
  return result;
}

// ---- Absolute deadlines on the wall clock: translated from the node's time to real time.

FIREDRILL_INTERPOSED int clock_nanosleep(clockid_t clock, int flags, const timespec* request, timespec* remain) {
  auto* next = next_clock_nanosleep.get();
  if (next == nullptr) return ENOSYS;
  timespec storage{};
  if ((flags & TIMER_ABSTIME) == 0) return next(clock, flags, request, remain);
  return next(clock, flags, translated(clock, request, &storage), remain);
}

FIREDRILL_INTERPOSED int pthread_cond_timedwait(pthread_cond_t* cond, pthread_mutex_t* mutex,
                                                const timespec* deadline) {
  auto* next = next_pthread_cond_timedwait.get();
  if (next == nullptr) return ENOSYS;
  timespec storage{};
  return next(cond, mutex, translated(condvar_clock(cond), deadline, &storage));
}

FIREDRILL_INTERPOSED int pthread_cond_clockwait(pthread_cond_t* cond, pthread_mutex_t* mutex, clockid_t clock,
                                                const timespec* deadline) {
  auto* next = next_pthread_cond_clockwait.get();
  if (next == nullptr) return ENOSYS;
  timespec storage{};
  return next(cond, mutex, clock, translated(clock, deadline, &storage));
}

FIREDRILL_INTERPOSED int sem_timedwait(sem_t* sem, const timespec* deadline) {
  auto* next = next_sem_timedwait.get();
  if (next == nullptr) {
    errno = ENOSYS;
    return -1;
  }
  timespec storage{};
  return next(sem, translated(CLOCK_REALTIME, deadline, &storage));
}

FIREDRILL_INTERPOSED int sem_clockwait(sem_t* sem, clockid_t clock, const timespec* deadline) {
  auto* next = next_sem_clockwait.get();
  if (next == nullptr) {
    errno = ENOSYS;
    return -1;
  }
  timespec storage{};
  return next(sem, clock, translated(clock, deadline, &storage));
}

FIREDRILL_INTERPOSED int pthread_mutex_timedlock(pthread_mutex_t* mutex, const timespec* deadline) noexcept {
  auto* next = next_pthread_mutex_timedlock.get();
  if (next == nullptr) return ENOSYS;
  timespec storage{};
  return next(mutex, translated(CLOCK_REALTIME, deadline, &storage));
}

FIREDRILL_INTERPOSED int pthread_mutex_clocklock(pthread_mutex_t* mutex, clockid_t clock,
                                                 const timespec* deadline) noexcept {
  auto* next = next_pthread_mutex_clocklock.get();
  if (next == nullptr) return ENOSYS;
  timespec storage{};
  return next(mutex, clock, translated(clock, deadline, &storage));
}

FIREDRILL_INTERPOSED int pthread_rwlock_timedrdlock(pthread_rwlock_t* rwlock, const timespec* deadline) noexcept {
  auto* next = next_pthread_rwlock_timedrdlock.get();
  if (next == nullptr) return ENOSYS;
  timespec storage{};
  return next(rwlock, translated(CLOCK_REALTIME, deadline, &storage));
}

FIREDRILL_INTERPOSED int pthread_rwlock_timedwrlock(pthread_rwlock_t* rwlock, const timespec* deadline) noexcept {
  auto* next = next_pthread_rwlock_timedwrlock.get();
  if (next == nullptr) return ENOSYS;
  timespec storage{};
  return next(rwlock, translated(CLOCK_REALTIME, deadline, &storage));
}

FIREDRILL_INTERPOSED int pthread_rwlock_clockrdlock(pthread_rwlock_t* rwlock, clockid_t clock,
                                                    const timespec* deadline) noexcept {
  auto* next = next_pthread_rwlock_clockrdlock.get();
  if (next == nullptr) return ENOSYS;
  timespec storage{};
  return next(rwlock, clock, translated(clock, deadline, &storage));
}

FIREDRILL_INTERPOSED int pthread_rwlock_clockwrlock(pthread_rwlock_t* rwlock, clockid_t clock,
                                                    const timespec* deadline) noexcept {
  auto* next = next_pthread_rwlock_clockwrlock.get();
  if (next == nullptr) return ENOSYS;
  timespec storage{};
  return next(rwlock, clock, translated(clock, deadline, &storage));
}

FIREDRILL_INTERPOSED int timerfd_create(clockid_t clock, int flags) noexcept {
  auto* next = next_timerfd_create.get();
  if (next == nullptr) {
    errno = ENOSYS;
    return -1;
  }
  const int fd = next(clock, flags);
  track_timerfd(fd, clock);
  return fd;
}

FIREDRILL_INTERPOSED int timerfd_settime(int fd, int flags, const itimerspec* value, itimerspec* old_value) noexcept {
  auto* next = next_timerfd_settime.get();
  if (next == nullptr) {
    errno = ENOSYS;
    return -1;
  }
  // A zero it_value disarms the timer: it is not a time, and stays zero.
  if ((flags & TFD_TIMER_ABSTIME) == 0 || value == nullptr || !is_realtime_timerfd(fd) ||
      (value->it_value.tv_sec == 0 && value->it_value.tv_nsec == 0)) {
    return next(fd, flags, value, old_value);
  }
  itimerspec real_value = *value;
  if (!real_deadline(CLOCK_REALTIME, &value->it_value, &real_value.it_value)) return next(fd, flags, value, old_value);
  return next(fd, flags, &real_value, old_value);
}
