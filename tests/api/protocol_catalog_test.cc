// Checks the declarative gating table (api/protocol_catalog.cc) against the diff of the Codex
// 0.113.0 -stable and -experimental schemas (copies in tests/api/schema/).
#include "api/protocol_catalog.h"

#include <fstream>
#include <set>
#include <string>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace threadlog::api {
namespace {

using nlohmann::json;

json Load(const std::string& variant) {
  std::ifstream in(std::string(THREADLOG_SOURCE_DIR) + "/tests/api/schema/" + variant +
                   "/ClientRequest.json");
  EXPECT_TRUE(in) << variant;
  return json::parse(in);
}

std::string MethodOf(const json& request) {
  return request["properties"]["method"]["enum"][0].get<std::string>();
}

// params type name of each method, e.g. "thread/start" -> "ThreadStartParams".
std::string ParamsType(const json& request) {
  const json& params = request["properties"]["params"];
  if (!params.contains("$ref")) return "";
  std::string ref = params["$ref"];
  return ref.substr(ref.rfind('/') + 1);
}

TEST(ProtocolCatalogTest, MethodsMatchTheSchemas) {
  json stable = Load("stable");
  json experimental = Load("experimental");
  std::set<std::string> stable_methods;
  for (const json& r : stable["oneOf"]) stable_methods.insert(MethodOf(r));
  std::set<std::string> seen;
  for (const json& r : experimental["oneOf"]) {
    std::string method = MethodOf(r);
    seen.insert(method);
    const MethodSpec* spec = FindMethod(method);
    ASSERT_NE(spec, nullptr) << method << " is in the schema but not in the catalog";
    EXPECT_EQ(spec->experimental, stable_methods.count(method) == 0) << method;
    bool required = false;
    for (const json& name : r.value("required", json::array())) required |= name == "params";
    EXPECT_EQ(spec->params_optional, !required) << method;
  }
  for (const MethodSpec& spec : ClientMethods()) {
    EXPECT_EQ(seen.count(std::string(spec.method)), 1u) << spec.method << " is not in the schema";
  }
}

TEST(ProtocolCatalogTest, ExperimentalFieldsAreExactlyTheSchemaDiff) {
  json stable = Load("stable");
  json experimental = Load("experimental");
  std::set<std::pair<std::string, std::string>> expected;
  for (const json& r : experimental["oneOf"]) {
    std::string type = ParamsType(r);
    if (type.empty() || !stable["definitions"].contains(type)) continue;  // whole method gated
    const json& exp_props = experimental["definitions"][type].value("properties", json::object());
    const json& stable_props = stable["definitions"][type].value("properties", json::object());
    for (const auto& [field, unused] : exp_props.items()) {
      if (!stable_props.contains(field)) expected.insert({MethodOf(r), field});
    }
  }
  std::set<std::pair<std::string, std::string>> table;
  for (const ExperimentalField& f : ExperimentalFields()) {
    table.insert({std::string(f.method), std::string(f.field)});
  }
  EXPECT_EQ(table, expected);
  EXPECT_FALSE(expected.empty());
}

}  // namespace
}  // namespace threadlog::api
