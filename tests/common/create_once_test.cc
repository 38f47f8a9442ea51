// db::CreateOnce on the test MariaDB, with a table of its own: a repeat of a request id answers
// with the record made first, other content under it is ALREADY_EXISTS, and two creates of one
// request id racing make one record.
#include "common/db/create_once.h"

#include <cppconn/prepared_statement.h>
#include <gtest/gtest.h>

#include <thread>

#include "absl/synchronization/barrier.h"
#include "common/db/rows.h"
#include "tests/support/test_database.h"

namespace qms::db {
namespace {

struct Thing {
  int64_t id = 0;
  std::string body;
};

class CreateOnceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_.Execute(
        "CREATE TABLE things (id BIGINT AUTO_INCREMENT PRIMARY KEY, plant VARCHAR(16) NOT NULL, "
        "request_id VARCHAR(64) NULL, fingerprint VARCHAR(64) NOT NULL, body TEXT NOT NULL, "
        "UNIQUE KEY (plant, request_id)) ENGINE=InnoDB");
  }

  // Creates `body` under `request_id` (fingerprint: the body itself); `before_insert` runs in
  // the create's transaction just before its insert.
  absl::StatusOr<Thing> Create(
      const std::string& request_id, const std::string& body,
      const std::function<void()>& before_insert = [] {}) {
    const auto find = [&](Connection& c) -> absl::StatusOr<std::optional<Fingerprinted<Thing>>> {
      auto& ps = c.Prepare(
          "SELECT id, fingerprint, body FROM things WHERE plant = 'SZ1' AND request_id = ?");
      ps.setString(1, request_id);
      Rows rows(ps.executeQuery());
      if (!rows.Next()) return std::nullopt;
      Fingerprinted<Thing> found{{rows.Int64("id"), rows.String("body")},
                                 rows.String("fingerprint")};
      QMS_RETURN_IF_ERROR(rows.status());
      return found;
    };
    const auto create = [&](Connection& c) -> absl::StatusOr<Thing> {
      before_insert();
      auto& ps = c.Prepare(
          "INSERT INTO things (plant, request_id, fingerprint, body) VALUES ('SZ1', ?, ?, ?)");
      if (request_id.empty()) {
        ps.setNull(1, 0);  // no request id: NULL, which the unique key does not compare
      } else {
        ps.setString(1, request_id);
      }
      ps.setString(2, body);
      ps.setString(3, body);
      ps.executeUpdate();
      Rows id(c.Prepare("SELECT LAST_INSERT_ID() AS id").executeQuery());
      Thing made{0, body};
      if (id.Next()) made.id = id.Int64("id");
      QMS_RETURN_IF_ERROR(id.status());
      return made;
    };
    return CreateOnce<Thing>(pool_, request_id, body, "thing", find, create);
  }

  testing::TestDatabase db_;
  ConnectionPool pool_{db_.options()};
};

TEST_F(CreateOnceTest, ARepeatGetsTheFirstRecordAndOtherContentIsAlreadyExists) {
  absl::StatusOr<Thing> first = Create("req-1", "a box of flanges");
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<Thing> again = Create("req-1", "a box of flanges");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->id, first->id);
  absl::StatusOr<Thing> other = Create("req-1", "a crate of shafts");
  EXPECT_EQ(other.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_NE(other.status().message().find("request_id req-1"), absl::string_view::npos);
  EXPECT_EQ(db_.Count("SELECT COUNT(*) FROM things"), 1) << "nothing written by the refusal";
}

TEST_F(CreateOnceTest, WithoutARequestIdEveryCreateMakesARecord) {
  ASSERT_TRUE(Create("", "one").ok());
  ASSERT_TRUE(Create("", "one").ok());
  EXPECT_EQ(db_.Count("SELECT COUNT(*) FROM things"), 2);
}

// Both creates look, find nothing, and insert: the second's insert waits for the first's commit,
// breaks the key, and is answered with the first's record.
TEST_F(CreateOnceTest, TwoRacingCreatesOfOneRequestIdMakeOneRecord) {
  absl::Barrier* both_looked = new absl::Barrier(2);
  const auto meet = [&] {
    if (both_looked->Block()) delete both_looked;
  };
  absl::StatusOr<Thing> a, b;
  std::thread first([&] { a = Create("req-race", "same", meet); });
  std::thread second([&] { b = Create("req-race", "same", meet); });
  first.join();
  second.join();
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(a->id, b->id);
  EXPECT_EQ(db_.Count("SELECT COUNT(*) FROM things"), 1);
}

}  // namespace
}  // namespace qms::db
