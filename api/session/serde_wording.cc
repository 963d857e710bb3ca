// serde's names for JSON values.
#include "api/session/serde_wording.h"

#include "absl/strings/str_cat.h"

namespace threadlog::api::session {

std::string SerdeUnexpected(const nlohmann::json& value) {
  using nlohmann::json;
  switch (value.type()) {
    case json::value_t::string:
      return absl::StrCat("string ", value.dump());
    case json::value_t::boolean:
      return absl::StrCat("boolean `", value.dump(), "`");
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return absl::StrCat("integer `", value.dump(), "`");
    case json::value_t::number_float:
      return absl::StrCat("floating point `", value.dump(), "`");
    case json::value_t::array:
      return "sequence";
    case json::value_t::object:
      return "map";
    case json::value_t::null:
      return "null";
    default:
      return "value";
  }
}

}  // namespace threadlog::api::session
