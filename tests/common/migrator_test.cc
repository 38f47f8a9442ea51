#include "common/db/migrator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "tests/support/test_database.h"

namespace qms::db {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const Migration kParts{1, "0001_parts.sql",
                       "CREATE TABLE parts (id INT PRIMARY KEY, name VARCHAR(20));\n"
                       "INSERT INTO parts VALUES (1, 'a;b');"};
const Migration kLots{2, "0002_lots.sql", "CREATE TABLE lots (id INT PRIMARY KEY);"};

TEST(Migrator, AppliesEachMigrationOnceInVersionOrder) {
  testing::TestDatabase db;
  ConnectionPool pool(db.options());
  auto first = Migrate(pool, {kLots, kParts});
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_THAT(first->applied, ElementsAre(1, 2));
  EXPECT_EQ(first->current_version, 2);
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM parts WHERE name = 'a;b'"), 1);
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM schema_migrations"), 2);
}

TEST(Migrator, RunningAgainChangesNothing) {
  testing::TestDatabase db;
  ConnectionPool pool(db.options());
  ASSERT_TRUE(Migrate(pool, {kParts, kLots}).ok());
  auto again = Migrate(pool, {kParts, kLots});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_THAT(again->applied, IsEmpty());
  EXPECT_EQ(again->current_version, 2);
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM parts"), 1);  // the INSERT did not run twice
}

TEST(Migrator, ALeaseLeftByADeadMigratorExpiresAndEachRunReleasesItsOwn) {
  testing::TestDatabase db;
  ConnectionPool pool(db.options());
  ASSERT_TRUE(Migrate(pool, {kParts}).ok());
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM schema_migrations_lease"), 0) << "released";
  // A replica killed while migrating leaves its lease; once expired, the next one takes it over.
  db.Execute(
      "INSERT INTO schema_migrations_lease (id, holder, expires) VALUES (1, 'dead/1/1', "
      "UTC_TIMESTAMP(6) - INTERVAL 1 SECOND)");
  auto next = Migrate(pool, {kParts, kLots});
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_THAT(next->applied, ElementsAre(2));
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM schema_migrations_lease"), 0);
}

TEST(Migrator, AppliesOnlyTheNewOnes) {
  testing::TestDatabase db;
  ConnectionPool pool(db.options());
  ASSERT_TRUE(Migrate(pool, {kParts}).ok());
  auto next = Migrate(pool, {kParts, kLots});
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_THAT(next->applied, ElementsAre(2));
}

TEST(Migrator, RefusesAnAppliedFileThatChanged) {
  testing::TestDatabase db;
  ConnectionPool pool(db.options());
  ASSERT_TRUE(Migrate(pool, {kParts}).ok());
  Migration edited = kParts;
  edited.sql += "\nINSERT INTO parts VALUES (2, 'c');";
  auto refused = Migrate(pool, {edited, kLots});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("0001_parts.sql"), absl::string_view::npos);
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = "
                     "DATABASE() AND table_name = 'lots'"),
            0)
      << "nothing after a refused history may be applied";
}

TEST(Migrator, RefusesADatabaseMigratedByNewerCode) {
  testing::TestDatabase db;
  ConnectionPool pool(db.options());
  ASSERT_TRUE(Migrate(pool, {kParts, kLots}).ok());
  EXPECT_EQ(Migrate(pool, {kParts}).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(Migrator, RefusesRepeatedVersions) {
  testing::TestDatabase db;
  ConnectionPool pool(db.options());
  Migration twin = kLots;
  twin.version = 1;
  EXPECT_EQ(Migrate(pool, {kParts, twin}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(Migrator, ReplicasStartingTogetherApplyEachMigrationOnce) {
  testing::TestDatabase db;
  ConnectionPool pool(db.options());
  std::vector<std::thread> replicas;
  std::vector<absl::StatusOr<MigrationReport>> reports(4, absl::UnknownError("not run"));
  for (int i = 0; i < 4; ++i) {
    replicas.emplace_back([&, i] { reports[i] = Migrate(pool, {kParts, kLots}); });
  }
  for (auto& t : replicas) t.join();
  size_t applied = 0;
  for (auto& r : reports) {
    ASSERT_TRUE(r.ok()) << r.status();
    applied += r->applied.size();
  }
  EXPECT_EQ(applied, 2u);
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM parts"), 1);
}

TEST(SplitStatements, HonoursQuotesAndComments) {
  auto statements = SplitStatements(
      "-- a comment; with a semicolon\n"
      "CREATE TABLE a (x VARCHAR(3) DEFAULT ';');\n"
      "/* block; comment */ INSERT INTO a VALUES ('it''s;');\n"
      "# hash comment\n"
      "INSERT INTO a VALUES (\"\\\";\")");
  ASSERT_EQ(statements.size(), 3u);
  EXPECT_EQ(statements[0], "CREATE TABLE a (x VARCHAR(3) DEFAULT ';')");
  EXPECT_EQ(statements[1], "INSERT INTO a VALUES ('it''s;')");
  EXPECT_EQ(statements[2], "INSERT INTO a VALUES (\"\\\";\")");
}

}  // namespace
}  // namespace qms::db
