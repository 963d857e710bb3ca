// AnswerOrderedSink: the notifications a request's service calls produce, sent in the order
// Codex sends them around that request's answer.
#ifndef THREADLOG_API_ANSWER_ORDERED_SINK_H_
#define THREADLOG_API_ANSWER_ORDERED_SINK_H_

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "api/session/notification_sink.h"
#include "nlohmann/json.hpp"

namespace threadlog::api {

// Notifications of the methods named by SendBeforeAnswer go out at once, ahead of the answer;
// the others are held and go out, in order, at Flush() (the dispatcher calls it once the answer
// is sent, or the error). Used by one request at a time (not thread-safe); `out` must outlive it.
class AnswerOrderedSink final : public session::NotificationSink {
 public:
  explicit AnswerOrderedSink(session::NotificationSink& out) : out_(out) {}
  AnswerOrderedSink(const AnswerOrderedSink&) = delete;
  AnswerOrderedSink& operator=(const AnswerOrderedSink&) = delete;

  // E.g. {"thread/status/changed"} for thread/resume: Codex announces the status first.
  void SendBeforeAnswer(std::initializer_list<std::string_view> methods);

  void Notify(std::span<const session::ClientId> clients, std::string_view method,
              const nlohmann::json& params) override;

  // Sends what was held.
  void Flush();

 private:
  struct Held {
    std::vector<session::ClientId> clients;
    std::string method;
    nlohmann::json params;
  };
  session::NotificationSink& out_;
  std::set<std::string, std::less<>> before_;
  std::vector<Held> held_;
};

}  // namespace threadlog::api

#endif  // THREADLOG_API_ANSWER_ORDERED_SINK_H_
