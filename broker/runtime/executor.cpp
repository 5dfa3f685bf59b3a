#include "runtime/executor.hpp"

#include <future>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

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

void Executor::post_after(std::chrono::milliseconds delay, std::function<void()> task) {
  auto timer = std::make_shared<asio::steady_timer>(impl_->context, delay);
  timer->async_wait([timer, task = std::move(task)](const boost::system::error_code& ec) {
    if (!ec) task();
  });
}

void Executor::barrier() {
  std::promise<void> done;
  post([&done] { done.set_value(); });
  done.get_future().wait();
}

bool Executor::on_loop_thread() const noexcept {
  return std::this_thread::get_id() == impl_->thread.get_id();
}

}  // namespace natter::runtime
