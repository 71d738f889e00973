// A program for clock_shim_test to run with the clock shim preloaded: it reads the clocks the way
// programs do, and waits on absolute wall-clock deadlines computed from the clock it is shown.
//
//   clock_shim_probe now          one line of readings, then exit 0
//   clock_shim_probe clearenv     the same after emptying its environment
//   clock_shim_probe serve        one line of readings per line read on stdin, until EOF
//   clock_shim_probe waits MS     one line per kind of wait: each waits until "now + MS" on its
//                                 clock (a wall-clock deadline from the skewed clock, or a
//                                 monotonic one), timed on CLOCK_MONOTONIC
//
// Readings: "realtime=NS monotonic=NS coarse=NS tai=NS gettimeofday=NS time=NS timespec_get=NS
// system_clock=NS" (all ns since the epoch, time() in whole seconds times 1e9). Waits:
// "wait NAME ELAPSED_MS RESULT", RESULT "timeout" when the wait ended by its deadline, else what
// it returned. Also built statically (clock_shim_probe_static), which the shim cannot reach.
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <mutex>
#include <string>

namespace {

constexpr int64_t ns_per_s = 1'000'000'000;
constexpr int64_t ns_per_ms = 1'000'000;

int64_t to_ns(const timespec& ts) { return int64_t{ts.tv_sec} * ns_per_s + ts.tv_nsec; }

timespec to_timespec(int64_t ns) {
  return timespec{static_cast<time_t>(ns / ns_per_s), static_cast<long>(ns % ns_per_s)};
}

int64_t read_ns(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return to_ns(ts);
}

void print_readings() {
  timeval tv{};
  gettimeofday(&tv, nullptr);
  timespec utc{};
  timespec_get(&utc, TIME_UTC);
  const int64_t system_clock_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::printf("realtime=%lld monotonic=%lld coarse=%lld tai=%lld gettimeofday=%lld time=%lld timespec_get=%lld "
              "system_clock=%lld\n",
              static_cast<long long>(read_ns(CLOCK_REALTIME)), static_cast<long long>(read_ns(CLOCK_MONOTONIC)),
              static_cast<long long>(read_ns(CLOCK_REALTIME_COARSE)), static_cast<long long>(read_ns(CLOCK_TAI)),
              static_cast<long long>(int64_t{tv.tv_sec} * ns_per_s + int64_t{tv.tv_usec} * 1'000),
              static_cast<long long>(int64_t{time(nullptr)} * ns_per_s), static_cast<long long>(to_ns(utc)),
              static_cast<long long>(system_clock_ns));
  std::fflush(stdout);
}

// Runs `wait` (which returns "timeout" or what went wrong) and prints how long it took.
template <typename Wait>
void timed(const char* name, Wait wait) {
  const int64_t started_ns = read_ns(CLOCK_MONOTONIC);
  const std::string result = wait();
  const int64_t elapsed_ns = read_ns(CLOCK_MONOTONIC) - started_ns;
  std::printf("wait %s %lld %s\n", name, static_cast<long long>(elapsed_ns / ns_per_ms), result.c_str());
  std::fflush(stdout);
}

std::string outcome(int result) { return result == ETIMEDOUT ? "timeout" : "returned-" + std::to_string(result); }

std::string errno_outcome(int result) { return result == -1 && errno == ETIMEDOUT ? "timeout" : "returned-" + std::to_string(result); }

// The deadline `ms` from now on `clock`, as the program sees that clock.
timespec deadline(clockid_t clock, int64_t ms) { return to_timespec(read_ns(clock) + ms * ns_per_ms); }

std::string wait_timerfd(clockid_t clock, int64_t ms) {
  const int fd = timerfd_create(clock, TFD_CLOEXEC);
  if (fd < 0) return "timerfd_create-failed";
  itimerspec value{};
  value.it_value = deadline(clock, ms);
  if (timerfd_settime(fd, TFD_TIMER_ABSTIME, &value, nullptr) != 0) {
    close(fd);
    return "timerfd_settime-failed";
  }
  uint64_t expirations = 0;
  const ssize_t got = read(fd, &expirations, sizeof expirations);
  close(fd);
  return got == sizeof expirations ? "timeout" : "read-failed";
}

// The waits below each block on one primitive nobody releases, through `wait` (a libc entry
// point the shim must see), until the deadline `ms` from now on `clock`; they say how it ended.

// wait(cond, mutex, until) on a condition variable whose own clock is `clock`.
template <typename Wait>
std::string cond_wait(clockid_t clock, int64_t ms, Wait wait) {
  pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
  pthread_condattr_t attributes;
  pthread_condattr_init(&attributes);
  pthread_condattr_setclock(&attributes, clock);
  pthread_cond_t cond;
  pthread_cond_init(&cond, &attributes);
  pthread_mutex_lock(&mutex);
  const timespec until = deadline(clock, ms);
  int result = 0;
  while ((result = wait(&cond, &mutex, &until)) == 0) {
  }
  pthread_mutex_unlock(&mutex);
  pthread_cond_destroy(&cond);
  return outcome(result);
}

std::string nanosleep_until(clockid_t clock, int64_t ms) {
  const timespec until = deadline(clock, ms);
  int result = 0;
  while ((result = clock_nanosleep(clock, TIMER_ABSTIME, &until, nullptr)) == EINTR) {
  }
  return result == 0 ? std::string("timeout") : outcome(result);
}

// wait(sem, until) on a semaphore at 0; a realtime deadline.
template <typename Wait>
std::string sem_wait_until(int64_t ms, Wait wait) {
  sem_t sem;
  sem_init(&sem, 0, 0);
  const timespec until = deadline(CLOCK_REALTIME, ms);
  int result = 0;
  while ((result = wait(&sem, &until)) == -1 && errno == EINTR) {
  }
  sem_destroy(&sem);
  return errno_outcome(result);
}

// wait(lock, until) on `lock`, which this thread holds (`hold`) so that the wait lasts until the
// (realtime) deadline; then `release`.
template <typename Lock, typename Wait>
std::string held_lock_wait(Lock& lock, int (*hold)(Lock*), int (*release)(Lock*), int64_t ms, Wait wait) {
  hold(&lock);
  const timespec until = deadline(CLOCK_REALTIME, ms);
  const int result = wait(&lock, &until);
  release(&lock);
  return outcome(result);
}

void run_waits(int64_t ms) {
  using std::chrono::system_clock;
  timed("cv_wait_until_system_clock", [&] {
    std::mutex mutex;
    std::condition_variable cv;
    std::unique_lock lock(mutex);
    const auto until = system_clock::now() + std::chrono::milliseconds(ms);
    while (cv.wait_until(lock, until) != std::cv_status::timeout) {
    }
    return std::string("timeout");
  });
  timed("pthread_cond_timedwait_realtime", [&] { return cond_wait(CLOCK_REALTIME, ms, pthread_cond_timedwait); });
  timed("pthread_cond_timedwait_monotonic", [&] { return cond_wait(CLOCK_MONOTONIC, ms, pthread_cond_timedwait); });
  timed("pthread_cond_clockwait_realtime", [&] {
    return cond_wait(CLOCK_REALTIME, ms, [](pthread_cond_t* cond, pthread_mutex_t* mutex, const timespec* until) {
      return pthread_cond_clockwait(cond, mutex, CLOCK_REALTIME, until);
    });
  });
  timed("clock_nanosleep_abstime_realtime", [&] { return nanosleep_until(CLOCK_REALTIME, ms); });
  timed("clock_nanosleep_abstime_monotonic", [&] { return nanosleep_until(CLOCK_MONOTONIC, ms); });
  timed("sem_timedwait", [&] { return sem_wait_until(ms, sem_timedwait); });
  timed("sem_clockwait_realtime", [&] {
    return sem_wait_until(ms, [](sem_t* sem, const timespec* until) { return sem_clockwait(sem, CLOCK_REALTIME, until); });
  });
  // A default (normal) mutex locked again by its owner waits until the deadline.
  pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
  timed("pthread_mutex_timedlock", [&] {
    return held_lock_wait(mutex, pthread_mutex_lock, pthread_mutex_unlock, ms, pthread_mutex_timedlock);
  });
  timed("pthread_mutex_clocklock_realtime", [&] {
    return held_lock_wait(mutex, pthread_mutex_lock, pthread_mutex_unlock, ms,
                          [](pthread_mutex_t* held, const timespec* until) {
                            return pthread_mutex_clocklock(held, CLOCK_REALTIME, until);
                          });
  });
  // A writer waits while this thread holds the lock for reading.
  pthread_rwlock_t rwlock = PTHREAD_RWLOCK_INITIALIZER;
  timed("pthread_rwlock_timedwrlock", [&] {
    return held_lock_wait(rwlock, pthread_rwlock_rdlock, pthread_rwlock_unlock, ms, pthread_rwlock_timedwrlock);
  });
  timed("pthread_rwlock_clockwrlock_realtime", [&] {
    return held_lock_wait(rwlock, pthread_rwlock_rdlock, pthread_rwlock_unlock, ms,
                          [](pthread_rwlock_t* held, const timespec* until) {
                            return pthread_rwlock_clockwrlock(held, CLOCK_REALTIME, until);
                          });
  });
  timed("timerfd_abstime_realtime", [&] { return wait_timerfd(CLOCK_REALTIME, ms); });
  timed("timerfd_abstime_monotonic", [&] { return wait_timerfd(CLOCK_MONOTONIC, ms); });
  std::printf("done\n");
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "now") {
    print_readings();
    return 0;
  }
  // A program that empties its environment (as some daemons do) before it first reads the clock.
  if (mode == "clearenv") {
    clearenv();
    print_readings();
    return 0;
  }
  if (mode == "serve") {
    std::string line;
    while (std::getline(std::cin, line)) print_readings();
    return 0;
  }
  if (mode == "waits" && argc > 2) {
    run_waits(std::atoll(argv[2]));
    return 0;
  }
  std::fprintf(stderr, "usage: clock_shim_probe now | clearenv | serve | waits MS\n");
  return 64;
}
