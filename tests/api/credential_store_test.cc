// Unit tests of api/credential_store: sources at start, the 0600 file, ChatGPT token claims,
// logout, and that no status or file but the key file itself carries a secret.
#include "api/credential_store.h"

#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testutil/scratch_dir.h"

namespace threadlog::api {
namespace {

using nlohmann::json;
using threadlog::testing::ReadFileOrDie;
using threadlog::testing::ScratchDir;
using threadlog::testing::WriteFileOrDie;

constexpr char kKey[] = "sk-unit-secret-4242";

std::string Jwt(const json& claims) {
  std::string header, payload;
  absl::WebSafeBase64Escape(R"({"alg":"none"})", &header);
  absl::WebSafeBase64Escape(claims.dump(), &payload);
  return header + "." + payload + ".sig";
}

struct Homes {
  ScratchDir dir;
  std::string threadlog = dir.Sub("threadlog");
  std::string codex = dir.Sub("codex");
  Homes() {
    std::filesystem::create_directories(threadlog);
    std::filesystem::create_directories(codex);
  }
  std::unique_ptr<CredentialStore> Open(std::vector<std::string>* notes = nullptr) {
    std::vector<std::string> ignored;
    return CredentialStore::Open(threadlog, codex, notes ? notes : &ignored);
  }
};

TEST(CredentialStoreTest, ApiKeyIsStored0600AndSurvivesReopen) {
  Homes homes;
  ::umask(0);  // the file must be 0600 whatever the umask
  auto store = homes.Open();
  EXPECT_EQ(store->Current().kind, CredentialStore::Kind::kNone);
  ASSERT_TRUE(store->SetApiKey(kKey).ok());
  ::umask(022);
  EXPECT_EQ(store->ApiKey(), kKey);
  struct stat st;
  ASSERT_EQ(::stat(store->path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  EXPECT_EQ(json::parse(ReadFileOrDie(store->path()))["OPENAI_API_KEY"], kKey);
  EXPECT_FALSE(std::filesystem::exists(store->path() + ".tmp"));
  EXPECT_FALSE(std::filesystem::exists(homes.codex + "/auth.json"));
  EXPECT_EQ(homes.Open()->ApiKey(), kKey);
}

TEST(CredentialStoreTest, CodexHomeAuthJsonIsReadWhenThreadlogHasNone) {
  Homes homes;
  WriteFileOrDie(homes.codex + "/auth.json", R"({"auth_mode":"apikey","OPENAI_API_KEY":"sk-c"})");
  EXPECT_EQ(homes.Open()->ApiKey(), "sk-c");
  // Once threadlog has its own file, that decides (a logout is remembered).
  auto store = homes.Open();
  ASSERT_TRUE(store->Clear().ok());
  EXPECT_FALSE(homes.Open()->ApiKey());
}

TEST(CredentialStoreTest, UnusableFilesAreNotesWithoutSecrets) {
  Homes homes;
  WriteFileOrDie(homes.codex + "/auth.json", "{\"OPENAI_API_KEY\": \"" + std::string(kKey));
  std::vector<std::string> notes;
  EXPECT_FALSE(homes.Open(&notes)->ApiKey());
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("not a JSON object"), std::string::npos);
  EXPECT_EQ(notes[0].find(kKey), std::string::npos);
  WriteFileOrDie(homes.codex + "/auth.json",
                 R"({"OPENAI_API_KEY":null,"tokens":{"id_token":"x","access_token":"y"}})");
  notes.clear();
  EXPECT_FALSE(homes.Open(&notes)->ApiKey());
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("ChatGPT sign-in"), std::string::npos);
}

TEST(CredentialStoreTest, AFailedWriteKeepsThePreviousKeyAndNamesNoSecret) {
  Homes homes;
  auto store = homes.Open();
  ASSERT_TRUE(store->SetApiKey("sk-first").ok());
  std::filesystem::create_directory(store->path() + ".tmp");  // unlink cannot remove a dir
  WriteFileOrDie(store->path() + ".tmp/x", "");
  absl::Status failed = store->SetApiKey(kKey);
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(std::string(failed.message()).find(kKey), std::string::npos);
  EXPECT_EQ(store->ApiKey(), "sk-first");
  EXPECT_EQ(store->SetApiKey("").code(), absl::StatusCode::kInvalidArgument);
}

TEST(CredentialStoreTest, ChatgptTokensAreInMemoryWithClaims) {
  Homes homes;
  auto store = homes.Open();
  ASSERT_TRUE(store->SetApiKey("sk-k").ok());
  const std::string token =
      Jwt({{"email", "a@b.c"}, {"https://api.openai.com/auth", {{"chatgpt_plan_type", "pro"}}}});
  ASSERT_TRUE(store->SetChatgptTokens(token, "acct", std::nullopt).ok());
  CredentialStore::Snapshot now = store->Current();
  EXPECT_EQ(now.kind, CredentialStore::Kind::kChatgptTokens);
  EXPECT_EQ(now.email, "a@b.c");
  EXPECT_EQ(now.plan_type, "pro");
  EXPECT_FALSE(store->ApiKey());  // the tokens are in effect
  EXPECT_EQ(store->ChatgptAccessToken(), token);
  EXPECT_EQ(store->ChatgptAccountId(), "acct");
  EXPECT_EQ(store->SetApiKey("sk-other").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReadFileOrDie(store->path()).find(token), std::string::npos);
  // A restart forgets them; the stored key is back.
  EXPECT_EQ(homes.Open()->ApiKey(), "sk-k");
}

TEST(CredentialStoreTest, PlanTypeFromParamsClaimsOrUnknown) {
  auto store = CredentialStore::InMemory();
  const std::string profile =
      Jwt({{"https://api.openai.com/profile", {{"email", "p@example.com"}}}});
  ASSERT_TRUE(store->SetChatgptTokens(profile, "a", "plus").ok());
  EXPECT_EQ(store->Current().plan_type, "plus");
  EXPECT_EQ(store->Current().email, "p@example.com");
  ASSERT_TRUE(store->SetChatgptTokens(profile, "a", "weird").ok());
  EXPECT_EQ(store->Current().plan_type, "unknown");
  ASSERT_TRUE(store->SetChatgptTokens(Jwt({{"sub", "x"}}), "a", std::nullopt).ok());
  EXPECT_EQ(store->Current().plan_type, "unknown");
  EXPECT_FALSE(store->Current().email);
  for (const char* bad : {"abc", "a.b", "a.!!!.c", "a..c"}) {
    absl::Status s = store->SetChatgptTokens(bad, "a", std::nullopt);
    EXPECT_EQ(s.message(), "failed to set external auth: invalid ID token format") << bad;
  }
  ASSERT_TRUE(store->Clear().ok());
  EXPECT_EQ(store->Current().kind, CredentialStore::Kind::kNone);
}

TEST(CredentialStoreTest, ConcurrentUseSeesWholeStates) {
  Homes homes;
  auto store = homes.Open();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        if (t % 2 == 0) {
          ASSERT_TRUE(store->SetApiKey("sk-" + std::to_string(t)).ok());
        } else {
          CredentialStore::Snapshot s = store->Current();
          std::optional<std::string> key = store->ApiKey();
          EXPECT_TRUE(s.kind == CredentialStore::Kind::kNone ||
                      s.kind == CredentialStore::Kind::kApiKey);
          if (key) {
            EXPECT_TRUE(*key == "sk-0" || *key == "sk-2");
          }
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  std::optional<std::string> last = store->ApiKey();
  ASSERT_TRUE(last);
  EXPECT_EQ(json::parse(ReadFileOrDie(store->path()))["OPENAI_API_KEY"], *last);
}

}  // namespace
}  // namespace threadlog::api
