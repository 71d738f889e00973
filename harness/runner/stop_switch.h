// A way to stop a running drill from another thread: the live page's stop button. A request
// ends the drill the way SIGINT does (Drill::abort: every fault reverted, the reports written,
// exit 4). Thread-safe; the drill connects itself while it runs.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>

namespace firedrill {

class StopSwitch {
 public:
  // What a request did.
  enum class Outcome {
    stopping,      // the drill was told (or will be, as soon as it starts)
    already,       // a stop was requested before: nothing new
    drill_over,    // the drill has ended; nothing to stop
  };

  // Asks the drill to stop, saying `why` on its timeline.
  Outcome request(const std::string& why);

  // The drill's side: `stop` is called (on the caller's thread, which must post it to the
  // drill's own loop) for a request made now or before. disconnect() ends the drill's part:
  // later requests are answered drill_over.
  void connect(std::function<void(const std::string& why)> stop);
  void disconnect();

 private:
  std::mutex mutex_;
  std::function<void(const std::string&)> stop_;
  std::optional<std::string> pending_;  // asked before the drill connected
  bool requested_ = false, over_ = false;
};

}  // namespace firedrill
