#include "services/complaints/complaint_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "common/db/migrator.h"
#include "services/complaints/migrations.h"
#include "tests/support/eventually.h"
#include "tests/support/test_database.h"

namespace qms::complaints {
namespace {

absl::Time Utc(int y, int m, int d, int hh = 8) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, 0, 0), absl::UTCTimeZone());
}

Intake MakeIntake(const std::string& customer, absl::Time received = Utc(2026, 3, 1)) {
  Intake in;
  in.customer = customer;
  in.part_number = "PN-100";
  in.defect_description = "burr on edge";
  in.quantity_delivered = 1000;
  in.quantity_defective = 3;
  in.channel = Channel::kPhone;
  in.received_time = received;
  return in;
}

class ComplaintStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pool_ = std::make_unique<db::ConnectionPool>(db_.options());
    ASSERT_TRUE(db::Migrate(*pool_, Migrations()).ok());
    auto plants = std::make_shared<PlantCalendars>();
    ASSERT_TRUE(plants->Add("SZ1", "Asia/Shanghai").ok());
    StoreOptions options;
    options.plants = plants;
    options.on_create_commit = [this](size_t creates) {
      absl::MutexLock lock(&commits_mu_);
      commit_sizes_.push_back(creates);
    };
    store_ = std::make_unique<ComplaintStore>(*pool_, options);
  }

  // Creates per committed create transaction since the last call, as the store reported them.
  std::vector<size_t> TakeCommitSizes() {
    absl::MutexLock lock(&commits_mu_);
    return std::exchange(commit_sizes_, {});
  }

  absl::StatusOr<Complaint> Create(const std::string& plant, const Intake& intake,
                                   const std::string& request_id) {
    return store_->Create(plant, intake, request_id, Actor{"sales@sz1", {"sales"}});
  }

  testing::TestDatabase db_;
  std::unique_ptr<db::ConnectionPool> pool_;
  std::unique_ptr<ComplaintStore> store_;
  absl::Mutex commits_mu_;
  std::vector<size_t> commit_sizes_ ABSL_GUARDED_BY(commits_mu_);
};

TEST_F(ComplaintStoreTest, FiftyConcurrentCreatesGetFiftyGapFreeNumbers) {
  std::vector<std::string> numbers(50);
  std::vector<std::thread> callers;
  for (int i = 0; i < 50; ++i) {
    callers.emplace_back([&, i] {
      auto c = Create("SZ1", MakeIntake(absl::StrCat("C", i)), absl::StrCat("req-", i));
      ASSERT_TRUE(c.ok()) << c.status();
      numbers[i] = c->number;
    });
  }
  for (auto& t : callers) t.join();
  std::sort(numbers.begin(), numbers.end());
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(numbers[i], FormatNumber("SZ1", 2026, i + 1));
  }
  EXPECT_EQ(db_.Count("SELECT COUNT(*) FROM complaints"), 50);
}

// Runs `creates` of SZ1 at once while the plant's number counter is held from outside, so that
// one waits in the database and the rest queue behind it (in order: each starts once the ones
// before it wait), then releases the counter. Fails the test unless all queued.
std::vector<absl::StatusOr<Complaint>> CreateQueued(
    testing::TestDatabase& db, ComplaintStore& store,
    const std::vector<std::pair<Intake, std::string>>& creates) {
  auto lock = db.admin().Acquire();
  EXPECT_TRUE(lock.ok());
  (*lock)->Execute("USE " + db.options().database);
  (*lock)->Execute("START TRANSACTION");
  (*lock)->Execute("SELECT * FROM complaint_numbers FOR UPDATE");
  const size_t n = creates.size();
  std::vector<absl::StatusOr<Complaint>> results(n, absl::UnknownError("not run"));
  std::vector<std::thread> callers;
  const auto queue_up_to = [&](size_t count) {
    EXPECT_TRUE(testing::Eventually([&] { return store.CreatesWaiting("SZ1") >= count; }));
  };
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) queue_up_to(i - 1);
    callers.emplace_back([&, i] {
      results[i] =
          store.Create("SZ1", creates[i].first, creates[i].second, Actor{"sales@sz1", {"sales"}});
    });
  }
  queue_up_to(n - 1);
  const size_t queued = store.CreatesWaiting("SZ1");
  (*lock)->Execute("ROLLBACK");
  for (auto& t : callers) t.join();
  EXPECT_EQ(queued, n - 1) << "creates did not queue behind the held counter";
  return results;
}

std::vector<std::string> SortedNumbers(const std::vector<absl::StatusOr<Complaint>>& results) {
  std::vector<std::string> numbers;
  for (const auto& r : results) {
    if (r.ok()) numbers.push_back(r->number);
  }
  std::sort(numbers.begin(), numbers.end());
  return numbers;
}

// Creates queued behind a held number counter commit together: gap-free numbers, serious flags
// as exact as one by one (creates of one customer never share a batch), fewer transactions than
// creates.
TEST_F(ComplaintStoreTest, QueuedCreatesCommitTogetherWithExactNumbersAndFlags) {
  ASSERT_TRUE(Create("SZ1", MakeIntake("OLD"), "req-old").ok());
  std::vector<std::pair<Intake, std::string>> creates;
  for (int i = 0; i < 8; ++i) {
    creates.push_back({MakeIntake(absl::StrCat("C", i)), absl::StrCat("req-", i)});
  }
  for (int i = 0; i < 3; ++i) {
    creates.push_back({MakeIntake("REPEAT"), absl::StrCat("repeat-", i)});
  }
  TakeCommitSizes();
  const auto results = CreateQueued(db_, *store_, creates);
  int repeat_serious = 0;
  for (size_t i = 0; i < results.size(); ++i) {
    ASSERT_TRUE(results[i].ok()) << i << ": " << results[i].status();
    if (results[i]->intake.customer == "REPEAT" && !results[i]->serious_reasons.empty()) {
      ++repeat_serious;
    }
  }
  EXPECT_EQ(repeat_serious, 1) << "the third complaint of one customer, and only it";
  const auto numbers = SortedNumbers(results);
  for (size_t i = 0; i < numbers.size(); ++i) {
    EXPECT_EQ(numbers[i], FormatNumber("SZ1", 2026, static_cast<int64_t>(i) + 2));
  }
  EXPECT_EQ(db_.Count("SELECT COUNT(*) FROM complaints"), 12);
  EXPECT_EQ(db_.Count("SELECT COUNT(*) FROM complaint_history"), 12);
  EXPECT_EQ(db_.Count("SELECT COUNT(*) FROM outbox"), 25)
      << "two timers per complaint and the serious one's escalation";
  EXPECT_EQ(db_.Count("SELECT COUNT(*) FROM outbox WHERE customer = 'REPEAT'"), 7)
      << "each timer carries its complaint's customer";
  // One report per committed create transaction (what the batch-size metric is fed): the first
  // alone, then at most one batch per REPEAT create: 4 transactions for 11 creates, adding up.
  const std::vector<size_t> sizes = TakeCommitSizes();
  EXPECT_LE(sizes.size(), 4u);
  size_t reported = 0;
  for (size_t k : sizes) reported += k;
  EXPECT_EQ(reported, creates.size());
  EXPECT_GT(*std::max_element(sizes.begin(), sizes.end()), 1u);
}

// In a batch, a retry (same request_id, same content) gets the complaint made first and a reused
// request_id with other content is refused, without costing the others their create or a number.
TEST_F(ComplaintStoreTest, RetriesInABatchAreAnsweredAloneAndTakeNoNumber) {
  auto original = Create("SZ1", MakeIntake("OLD"), "req-x");
  ASSERT_TRUE(original.ok());
  std::vector<std::pair<Intake, std::string>> creates;
  for (int i = 0; i < 5; ++i) {
    creates.push_back({MakeIntake(absl::StrCat("C", i)), absl::StrCat("req-", i)});
  }
  creates.push_back({MakeIntake("OLD"), "req-x"});    // a retry
  creates.push_back({MakeIntake("OTHER"), "req-x"});  // another complaint, same request_id
  const auto results = CreateQueued(db_, *store_, creates);
  for (size_t i = 0; i < 5; ++i) ASSERT_TRUE(results[i].ok()) << i << ": " << results[i].status();
  ASSERT_TRUE(results[5].ok()) << results[5].status();
  EXPECT_EQ(results[5]->number, original->number);
  EXPECT_EQ(results[6].status().code(), absl::StatusCode::kAlreadyExists);
  const auto numbers = SortedNumbers(results);
  EXPECT_EQ(numbers.back(), FormatNumber("SZ1", 2026, 6)) << "no number lost to the retries";
  EXPECT_EQ(db_.Count("SELECT COUNT(*) FROM complaints"), 6);
}

TEST_F(ComplaintStoreTest, ARetriedRequestReturnsTheSameComplaintAndWritesNoSecondRow) {
  auto first = Create("SZ1", MakeIntake("ACME"), "req-1");
  ASSERT_TRUE(first.ok()) << first.status();
  auto retry = Create("SZ1", MakeIntake("ACME"), "req-1");
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_EQ(retry->number, first->number);
  EXPECT_EQ(retry->create_time, first->create_time);
  EXPECT_EQ(db_.Count("SELECT COUNT(*) FROM complaints"), 1);
  auto next = Create("SZ1", MakeIntake("ACME"), "req-2");
  EXPECT_EQ(next->number, FormatNumber("SZ1", 2026, 2)) << "a retry must not use up a number";
}

TEST_F(ComplaintStoreTest, ARetryWithoutReceivedTimeStillMatches) {
  Intake in = MakeIntake("ACME");
  in.received_time = absl::InfinitePast();  // the server fills it in; a retry must still match
  auto first = Create("SZ1", in, "req-now");
  ASSERT_TRUE(first.ok()) << first.status();
  auto retry = Create("SZ1", in, "req-now");
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_EQ(retry->number, first->number);
}

TEST_F(ComplaintStoreTest, AReusedRequestIdWithOtherContentIsRefused) {
  ASSERT_TRUE(Create("SZ1", MakeIntake("ACME"), "req-1").ok());
  auto other = Create("SZ1", MakeIntake("BOSCH"), "req-1");
  EXPECT_EQ(other.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(db_.Count("SELECT COUNT(*) FROM complaints"), 1);
}

TEST_F(ComplaintStoreTest, ConcurrentRetriesOfOneRequestCreateOneComplaint) {
  std::vector<std::string> numbers(8);
  std::vector<std::thread> callers;
  for (int i = 0; i < 8; ++i) {
    callers.emplace_back([&, i] {
      auto c = Create("SZ1", MakeIntake("ACME"), "same-request");
      ASSERT_TRUE(c.ok()) << c.status();
      numbers[i] = c->number;
    });
  }
  for (auto& t : callers) t.join();
  for (const auto& n : numbers) EXPECT_EQ(n, numbers[0]);
  EXPECT_EQ(db_.Count("SELECT COUNT(*) FROM complaints"), 1);
  auto next = Create("SZ1", MakeIntake("ACME"), "another");
  EXPECT_EQ(next->number, FormatNumber("SZ1", 2026, 2));
}

TEST_F(ComplaintStoreTest, NumbersArePerPlantAndPerYearOfThePlantsCalendar) {
  // 17:00 UTC on New Year's Eve is already 2027 in Shanghai (SZ1), still 2026 in UTC (BER).
  auto sz = Create("SZ1", MakeIntake("ACME", Utc(2026, 12, 31, 17)), "");
  auto ber = Create("BER", MakeIntake("ACME", Utc(2026, 12, 31, 17)), "");
  auto sz_before = Create("SZ1", MakeIntake("ACME", Utc(2026, 12, 31, 15)), "");
  ASSERT_TRUE(sz.ok() && ber.ok() && sz_before.ok());
  EXPECT_EQ(sz->number, "SZ1-2027-00001");
  EXPECT_EQ(ber->number, "BER-2026-00001");
  EXPECT_EQ(sz_before->number, "SZ1-2026-00001");
}

TEST_F(ComplaintStoreTest, CreateThenGetReturnsWhatWasRegistered) {
  Intake in = MakeIntake("ACME");
  in.customer_contact = "Li Wei, +86 755 1234";
  in.order_number = "SO-77";
  in.lot_number = "L2026-03";
  in.delivery_date = "2026-02-20";
  in.defect_code = "D-BURR";
  in.goods_returned = true;
  in.customer_delivery_affected = true;
  in.customer_required_reply_time = Utc(2026, 3, 3);
  auto created = Create("SZ1", in, "");
  ASSERT_TRUE(created.ok()) << created.status();
  auto got = store_->Get("SZ1", created->number);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->status, ComplaintStatus::kReceived);
  EXPECT_EQ(got->intake.customer_contact, in.customer_contact);
  EXPECT_EQ(got->intake.order_number, "SO-77");
  EXPECT_EQ(got->intake.lot_number, "L2026-03");
  EXPECT_EQ(got->intake.delivery_date, "2026-02-20");
  EXPECT_EQ(got->intake.defect_code, "D-BURR");
  EXPECT_TRUE(got->intake.goods_returned);
  EXPECT_FALSE(got->intake.customer_production_affected);
  EXPECT_TRUE(got->intake.customer_delivery_affected);
  EXPECT_EQ(got->intake.customer_required_reply_time, in.customer_required_reply_time);
  EXPECT_EQ(got->intake.received_time, in.received_time);
  EXPECT_EQ(got->intake.channel, Channel::kPhone);
  EXPECT_EQ(got->version, 1);
  EXPECT_EQ(got->create_time, created->create_time);
}

TEST_F(ComplaintStoreTest, UnknownComplaintIsNotFound) {
  EXPECT_EQ(store_->Get("SZ1", "SZ1-2026-99999").status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(Create("SZ1", MakeIntake("ACME"), "").ok());
  EXPECT_EQ(store_->Get("BER", "SZ1-2026-00001").status().code(), absl::StatusCode::kNotFound)
      << "a number is only found in its own plant";
}

TEST_F(ComplaintStoreTest, ListFiltersAndPagesNewestFirst) {
  for (int i = 0; i < 7; ++i)
    ASSERT_TRUE(Create("SZ1", MakeIntake("ACME", Utc(2026, 3, 1 + i)), "").ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Create("SZ1", MakeIntake("BOSCH"), "").ok());
  ASSERT_TRUE(Create("BER", MakeIntake("ACME"), "").ok());

  ListQuery q;
  q.plant = "SZ1";
  q.customer = "ACME";
  q.page_size = 3;
  std::vector<std::string> seen;
  std::vector<size_t> page_sizes;
  do {
    auto page = store_->List(q);
    ASSERT_TRUE(page.ok()) << page.status();
    page_sizes.push_back(page->complaints.size());
    for (const auto& c : page->complaints) {
      EXPECT_EQ(c.intake.customer, "ACME");
      EXPECT_EQ(c.plant, "SZ1");
      seen.push_back(c.number);
    }
    q.page_token = page->next_page_token;
  } while (!q.page_token.empty());
  EXPECT_THAT(page_sizes, ::testing::ElementsAre(3, 3, 1));
  ASSERT_EQ(seen.size(), 7u);
  EXPECT_EQ(seen.front(), "SZ1-2026-00007");
  EXPECT_EQ(seen.back(), "SZ1-2026-00001");

  ListQuery range;
  range.plant = "SZ1";
  range.received_after = Utc(2026, 3, 2, 0);
  range.received_before = Utc(2026, 3, 4, 0);
  auto in_range = store_->List(range);
  ASSERT_TRUE(in_range.ok());
  EXPECT_EQ(in_range->complaints.size(), 2u);  // received 2 and 3 March

  ListQuery by_status;
  by_status.plant = "SZ1";
  by_status.status = ComplaintStatus::kReceived;
  EXPECT_EQ(store_->List(by_status)->complaints.size(), 10u);
}

TEST_F(ComplaintStoreTest, APageTokenOnlyWorksForItsOwnQuery) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Create("SZ1", MakeIntake("ACME"), "").ok());
  ListQuery q;
  q.plant = "SZ1";
  q.page_size = 1;
  auto page = store_->List(q);
  ASSERT_FALSE(page->next_page_token.empty());
  ListQuery other = q;
  other.customer = "BOSCH";
  other.page_token = page->next_page_token;
  EXPECT_EQ(store_->List(other).status().code(), absl::StatusCode::kInvalidArgument);
  q.page_token = "garbage";
  EXPECT_EQ(store_->List(q).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace qms::complaints
