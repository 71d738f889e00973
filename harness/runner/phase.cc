// The drill's phases and their transitions; see phase.h.
#include "runner/phase.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <string>

#include "runner/console.h"
#include "timeline/timeline.h"

namespace firedrill {
namespace {

struct Transitions {
  Phase from;
  std::initializer_list<Phase> to;
};

// Every transition the runner makes. The normal path goes down the list; `heal` is the abort
// path from any phase in which the system runs (a signal or a stop condition, also during the
// heal and the final reads); `lab_down` follows a failed start or the final reads; the baseline
// goes straight to the final reads when its steady state does not hold.
const std::array<Transitions, 9> kTransitions{{
    {Phase::not_started, {Phase::lab_up}},
    {Phase::lab_up, {Phase::system_up}},
    {Phase::system_up, {Phase::baseline, Phase::heal, Phase::lab_down}},
    {Phase::baseline, {Phase::faults, Phase::heal, Phase::final_reads}},
    {Phase::faults, {Phase::heal}},
    {Phase::heal, {Phase::heal, Phase::convergence, Phase::final_reads, Phase::lab_down}},
    {Phase::convergence, {Phase::heal, Phase::final_reads}},
    {Phase::final_reads, {Phase::heal, Phase::lab_down}},
    {Phase::lab_down, {}},
}};

}  // namespace

const char* phase_name(Phase phase) {
  switch (phase) {
    case Phase::not_started: return "not_started";
    case Phase::lab_up: return "lab_up";
    case Phase::system_up: return "system_up";
    case Phase::baseline: return "baseline";
    case Phase::faults: return "faults";
    case Phase::heal: return "heal";
    case Phase::convergence: return "convergence";
    case Phase::final_reads: return "final_reads";
    case Phase::lab_down: return "lab_down";
  }
  return "?";
}

bool transition_allowed(Phase from, Phase to) {
  for (const Transitions& t : kTransitions) {
    if (t.from != from) continue;
    for (Phase allowed : t.to) {
      if (allowed == to) return true;
    }
  }
  return false;
}

bool faults_may_act(Phase phase) {
  return phase == Phase::faults || phase == Phase::heal || phase == Phase::convergence;
}

void Phases::enter(Phase next) {
  if (!transition_allowed(current_, next)) {
    std::fprintf(stderr, "firedrill: internal error: phase %s -> %s is not a transition of the drill\n",
                 phase_name(current_), phase_name(next));
    std::abort();
  }
  current_ = next;
  timeline_.write(HarnessPhase{.phase = phase_name(next)});
  console_.say(std::string("phase: ") + phase_name(next));
}

}  // namespace firedrill
