// What each refpay program runs: the ledger node, the gateway and the arbiter are each one Service,
// which run_program() (program.h) starts on the process's io_context and stops on SIGINT/SIGTERM.
#pragma once

#include <memory>
#include <utility>

#include "common/status.h"

namespace boost::asio {
class io_context;
}

namespace refpay {

class Service {
 public:
  virtual ~Service() = default;
  // Starts listening and the service's timers; the error says why it cannot serve.
  virtual Status start() = 0;
  // Stops serving and drops the work in progress. May be called more than once.
  virtual void stop() = 0;
};

// A Service around a State whose asynchronous handlers keep it alive (shared_from_this()): the
// handle stops it when destroyed, and the State lives on until its last handler has run.
// State provides start() and stop().
template <typename State>
class SharedService final : public Service {
 public:
  template <typename... Args>
  static std::unique_ptr<Service> make(Args&&... args) {
    return std::unique_ptr<Service>(new SharedService(std::make_shared<State>(std::forward<Args>(args)...)));
  }
  ~SharedService() override { state_->stop(); }
  SharedService(const SharedService&) = delete;
  SharedService& operator=(const SharedService&) = delete;

  Status start() override { return state_->start(); }
  void stop() override { state_->stop(); }

 private:
  explicit SharedService(std::shared_ptr<State> state) : state_(std::move(state)) {}
  std::shared_ptr<State> state_;
};

}  // namespace refpay
