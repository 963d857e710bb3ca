// JSON Schema subset checker used to validate projected turns against the Codex v2 schema.
#include "tests/projections/schema_check.h"

namespace threadlog::testing {
namespace {

using Json = nlohmann::json;

class Checker {
 public:
  Checker(const Json& root, bool closed) : root_(root), closed_(closed) {}

  void Check(const Json& schema, const Json& value, const std::string& at,
             std::vector<std::string>* errors) const {
    if (schema.is_boolean()) {
      if (!schema.get<bool>()) errors->push_back(at + ": schema false");
      return;
    }
    if (auto ref = schema.find("$ref"); ref != schema.end()) {
      const std::string prefix = "#/definitions/";
      const std::string name = ref->get<std::string>().substr(prefix.size());
      Check(root_.at("definitions").at(name), value, at, errors);
    }
    if (auto all = schema.find("allOf"); all != schema.end()) {
      for (const Json& sub : *all) Check(sub, value, at, errors);
    }
    for (const char* key : {"oneOf", "anyOf"}) {
      auto alts = schema.find(key);
      if (alts == schema.end()) continue;
      int matches = 0;
      std::vector<std::string> first_errors;
      for (const Json& sub : *alts) {
        std::vector<std::string> sub_errors;
        Check(sub, value, at, &sub_errors);
        if (sub_errors.empty()) ++matches;
        if (first_errors.empty() ||
            (!sub_errors.empty() && sub_errors.size() < first_errors.size())) {
          first_errors = sub_errors;
        }
      }
      if (matches == 0) {
        errors->push_back(at + ": matches no " + key + " alternative; closest: " +
                          (first_errors.empty() ? "?" : first_errors.front()));
      } else if (matches > 1 && std::string(key) == "oneOf") {
        errors->push_back(at + ": matches several oneOf alternatives");
      }
    }
    if (auto type = schema.find("type"); type != schema.end()) {
      bool ok = false;
      for (const Json& t : type->is_array() ? *type : Json::array({*type}))
        ok = ok || IsType(t, value);
      if (!ok) {
        errors->push_back(at + ": expected type " + type->dump() + ", got " + value.dump());
        return;
      }
    }
    if (auto values = schema.find("enum"); values != schema.end()) {
      bool ok = false;
      for (const Json& v : *values) ok = ok || v == value;
      if (!ok) errors->push_back(at + ": " + value.dump() + " not in enum " + values->dump());
    }
    if (auto min = schema.find("minimum"); min != schema.end() && value.is_number()) {
      if (value.get<double>() < min->get<double>()) errors->push_back(at + ": below minimum");
    }
    if (value.is_object()) CheckObject(schema, value, at, errors);
    if (value.is_array()) {
      if (auto items = schema.find("items"); items != schema.end()) {
        for (size_t i = 0; i < value.size(); ++i) {
          Check(*items, value[i], at + "/" + std::to_string(i), errors);
        }
      }
    }
  }

 private:
  void CheckObject(const Json& schema, const Json& value, const std::string& at,
                   std::vector<std::string>* errors) const {
    if (auto required = schema.find("required"); required != schema.end()) {
      for (const Json& key : *required) {
        if (!value.contains(key.get<std::string>())) {
          errors->push_back(at + ": missing required " + key.get<std::string>());
        }
      }
    }
    const auto props = schema.find("properties");
    const auto extra = schema.find("additionalProperties");
    for (const auto& [key, sub] : value.items()) {
      if (props != schema.end() && props->contains(key)) {
        Check(props->at(key), sub, at + "/" + key, errors);
      } else if (extra != schema.end()) {
        Check(*extra, sub, at + "/" + key, errors);
      } else if (closed_ && props != schema.end()) {
        errors->push_back(at + ": unexpected property " + key);
      }
    }
  }

  static bool IsType(const Json& type, const Json& value) {
    const std::string t = type.get<std::string>();
    if (t == "object") return value.is_object();
    if (t == "array") return value.is_array();
    if (t == "string") return value.is_string();
    if (t == "integer") return value.is_number_integer();
    if (t == "number") return value.is_number();
    if (t == "boolean") return value.is_boolean();
    if (t == "null") return value.is_null();
    return false;
  }

  const Json& root_;
  const bool closed_;
};

}  // namespace

std::vector<std::string> CheckSchema(const Json& root, const std::string& definition,
                                     const Json& value, bool closed) {
  std::vector<std::string> errors;
  Checker(root, closed).Check(root.at("definitions").at(definition), value, "", &errors);
  return errors;
}

}  // namespace threadlog::testing
