// The implemented-method table.
#include "api/method_registry.h"

#include <cassert>

#include "api/protocol_catalog.h"

namespace threadlog::api {

void MethodRegistry::Add(std::string method, Parser parser) {
  assert(FindMethod(method) != nullptr &&
         "only methods of the Codex protocol catalog may be registered");
  [[maybe_unused]] bool inserted = parsers_.emplace(std::move(method), std::move(parser)).second;
  assert(inserted && "method registered twice");
}

const MethodRegistry::Parser* MethodRegistry::Find(std::string_view method) const {
  auto it = parsers_.find(method);
  return it == parsers_.end() ? nullptr : &it->second;
}

std::vector<std::string> MethodRegistry::Methods() const {
  std::vector<std::string> out;
  for (const auto& [method, parser] : parsers_) out.push_back(method);
  return out;
}

}  // namespace threadlog::api
