#include "runtime/executor.hpp"

#include <future>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace natter::runtime {

namespace asio = boost::asio;

struct Executor::Impl {
  asio::io_context context{1};
  asio::executor_work_guard<asio::io_context::executor_type> work{context.get_executor()};
  std::thread thread;
};

Executor::Executor() : impl_(std::make_unique<Impl>()) {
  impl_->thread = std::thread([this] { impl_->context.run(); });
}

Executor::~Executor() {
  impl_->work.reset();
  impl_->context.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

void Executor::post(std::function<void()> task) {
  asio::post(impl_->context, std::move(task));
}

void Executor::barrier() {
  std::promise<void> done;
  post([&done] { done.set_value(); });
  done.get_future().wait();
}

}  // namespace natter::runtime
