// AnswerOrderedSink: immediate or held, by method.
#include "api/answer_ordered_sink.h"

namespace threadlog::api {

void AnswerOrderedSink::SendBeforeAnswer(std::initializer_list<std::string_view> methods) {
  for (std::string_view m : methods) before_.emplace(m);
}

void AnswerOrderedSink::Notify(std::span<const session::ClientId> clients, std::string_view method,
                               const nlohmann::json& params) {
  if (before_.count(method) > 0) {
    out_.Notify(clients, method, params);
    return;
  }
  held_.push_back({{clients.begin(), clients.end()}, std::string(method), params});
}

void AnswerOrderedSink::Flush() {
  std::vector<Held> held = std::move(held_);
  held_.clear();
  for (const Held& h : held) out_.Notify(h.clients, h.method, h.params);
}

}  // namespace threadlog::api
