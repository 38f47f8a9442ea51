// Lists of subscriptions and deliveries against the notification service as its binary wires it
// (in process, real gRPC, the test MariaDB, a real webhook receiver): the plants a caller may see
// are filtered in the query, so a plant's page is full of its own rows however many newer rows
// other plants have, and both lists page by keys.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "qms/notifications/v1/notifications.grpc.pb.h"
#include "services/notifications/wiring.h"
#include "tests/support/eventually.h"
#include "tests/support/http_listener.h"
#include "tests/support/in_process_service.h"
#include "tests/support/tokens.h"

ABSL_DECLARE_FLAG(std::string, policies_files);
ABSL_DECLARE_FLAG(absl::Duration, engine_poll_interval);

namespace qms::notifications {
namespace {

class DeliveryListsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string policies = ::testing::TempDir() + "/delivery-lists-policies.json";
    std::ofstream(policies) << R"({"policies": [{"name": "test.now", "deadlines": [
        {"name": "due", "duration": "0s", "roles": ["quality"]}]}]})";
    absl::SetFlag(&FLAGS_policies_files, policies);
    absl::SetFlag(&FLAGS_engine_poll_interval, absl::Milliseconds(100));
    ASSERT_TRUE(service_.Start().ok());
    deliveries_ = service_.Stub<v1::DeliveryService>();
    timers_ = service_.Stub<v1::TimerService>();
  }

  std::string Subscribe(const std::string& plant) {
    grpc::ClientContext context;
    testing::Authorize(context);
    v1::CreateSubscriptionRequest r;
    r.mutable_subscription()->set_plant(plant);
    r.mutable_subscription()->set_webhook_url(hook_.url());
    r.mutable_subscription()->set_webhook_secret("secret");
    v1::Subscription s;
    EXPECT_TRUE(deliveries_->CreateSubscription(&context, r, &s).ok());
    return s.name();
  }

  // Fires `count` stages in `plant` (a timer due at once each).
  void Fire(const std::string& plant, int count) {
    for (int i = 0; i < count; ++i) {
      grpc::ClientContext context;
      testing::Authorize(context);
      v1::ArmTimerRequest r;
      r.set_plant(plant);
      r.set_subject(absl::StrCat("plants/", plant, "/things/", next_++));
      r.set_policy("test.now");
      v1::Timer t;
      const grpc::Status s = timers_->ArmTimer(&context, r, &t);
      ASSERT_TRUE(s.ok()) << s.error_message();
    }
  }

  v1::ListDeliveriesResponse Deliveries(const std::string& token, const std::string& plant,
                                        int page_size, const std::string& page_token = "") {
    grpc::ClientContext context;
    testing::Authorize(context, token);
    v1::ListDeliveriesRequest r;
    r.set_plant(plant);
    r.set_page_size(page_size);
    r.set_page_token(page_token);
    v1::ListDeliveriesResponse out;
    const grpc::Status s = deliveries_->ListDeliveries(&context, r, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  v1::ListSubscriptionsResponse Subscriptions(const std::string& token, int page_size,
                                              const std::string& page_token = "") {
    grpc::ClientContext context;
    testing::Authorize(context, token);
    v1::ListSubscriptionsRequest r;
    r.set_page_size(page_size);
    r.set_page_token(page_token);
    v1::ListSubscriptionsResponse out;
    const grpc::Status s = deliveries_->ListSubscriptions(&context, r, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  testing::HttpListener hook_;
  testing::InProcessService service_{Service()};
  std::unique_ptr<v1::DeliveryService::Stub> deliveries_;
  std::unique_ptr<v1::TimerService::Stub> timers_;
  int next_ = 0;
};

TEST_F(DeliveryListsTest, APlantsPageHoldsItsOwnDeliveriesHoweverManyOtherPlantsHave) {
  Subscribe("A1");
  Subscribe("B1");
  Fire("A1", 3);
  ASSERT_TRUE(testing::Eventually(
      [&] { return service_.db().Count("SELECT COUNT(*) FROM deliveries") == 3; }));
  Fire("B1", 30);  // newer than every A1 delivery
  ASSERT_TRUE(testing::Eventually(
      [&] { return service_.db().Count("SELECT COUNT(*) FROM deliveries") == 33; }));

  const std::string a1 = testing::TestToken("qe@a1", {"quality"}, {"A1"});
  // Every plant the caller may see (no plant asked for), two at a time.
  std::set<int64_t> seen;
  v1::ListDeliveriesResponse page = Deliveries(a1, "", 2);
  ASSERT_EQ(page.deliveries_size(), 2) << "before, the limit was applied across every plant";
  for (const auto& d : page.deliveries()) {
    EXPECT_EQ(d.plant(), "A1");
    seen.insert(d.id());
  }
  ASSERT_FALSE(page.next_page_token().empty());
  page = Deliveries(a1, "", 2, page.next_page_token());
  ASSERT_EQ(page.deliveries_size(), 1);
  EXPECT_EQ(page.deliveries(0).plant(), "A1");
  seen.insert(page.deliveries(0).id());
  EXPECT_TRUE(page.next_page_token().empty()) << "the last page";
  EXPECT_EQ(seen.size(), 3u) << "each delivery once";

  // Newest first, and a token is bound to its query.
  const v1::ListDeliveriesResponse all = Deliveries(testing::AnyoneToken(), "", 50);
  ASSERT_EQ(all.deliveries_size(), 33);
  EXPECT_GT(all.deliveries(0).id(), all.deliveries(32).id());
  grpc::ClientContext context;
  testing::Authorize(context, a1);
  v1::ListDeliveriesRequest other;
  other.set_plant("A1");
  other.set_page_token(Deliveries(a1, "", 1).next_page_token());
  v1::ListDeliveriesResponse refused;
  EXPECT_EQ(deliveries_->ListDeliveries(&context, other, &refused).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(DeliveryListsTest, SubscriptionsPageAndAPlantSeesOnlyItsOwn) {
  const std::string a = Subscribe("A1");
  Subscribe("B1");
  Subscribe("*");
  const std::string a2 = Subscribe("A1");

  const std::string a1 = testing::TestToken("qe@a1", {"quality"}, {"A1"});
  v1::ListSubscriptionsResponse page = Subscriptions(a1, 1);
  ASSERT_EQ(page.subscriptions_size(), 1);
  EXPECT_EQ(page.subscriptions(0).name(), a);
  page = Subscriptions(a1, 1, page.next_page_token());
  ASSERT_EQ(page.subscriptions_size(), 1);
  EXPECT_EQ(page.subscriptions(0).name(), a2) << "neither B1's nor the company-wide one";
  EXPECT_TRUE(page.next_page_token().empty());

  EXPECT_EQ(Subscriptions(testing::AnyoneToken(), 50).subscriptions_size(), 4)
      << "a company-wide caller sees them all";
}

}  // namespace
}  // namespace qms::notifications
