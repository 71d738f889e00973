// The phases of a drill, in the order a complete run goes through them, and the transitions the
// runner may make between them (the abort path jumps to `heal` from any phase in which the
// system runs). Every change is checked against the table and recorded on the timeline as
// ("harness", "phase"); a change the table does not allow is a programmer error and stops the
// process (STYLE.md habit 4).
#pragma once

namespace firedrill {

class Console;
class Timeline;

enum class Phase {
  not_started,
  lab_up,       // namespaces, volumes, the alert receiver
  system_up,    // nodes started, waiting for every health URL
  baseline,     // traffic on, the steady state must hold before any fault
  faults,       // faults applied and reverted on schedule
  heal,         // every fault not yet reverted, newest first
  convergence,  // traffic on, no fault: the system catches up
  final_reads,  // traffic off, every ledger's export read
  lab_down,     // the end: processes killed, summary written
};

// The name on the timeline and the console ("final_reads").
const char* phase_name(Phase phase);

// Whether the runner may go from `from` to `to`.
bool transition_allowed(Phase from, Phase to);

// The phases in which a fault may be in effect or its damage may last: the stop guards watch
// these, and the console reports the steady state lost and regained in them.
bool faults_may_act(Phase phase);

// The current phase of one drill. Not thread-safe (the runner's io_context thread).
class Phases {
 public:
  Phases(Timeline& timeline, Console& console) : timeline_(timeline), console_(console) {}

  // Moves to `next`: asserts the transition, records it, says it.
  void enter(Phase next);
  Phase current() const { return current_; }

 private:
  Timeline& timeline_;
  Console& console_;
  Phase current_ = Phase::not_started;
};

}  // namespace firedrill
