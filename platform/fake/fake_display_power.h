// FakeDisplayPower: records panel on/off requests so tests can assert when the kiosk blanks.
#pragma once
#include "balie/platform/display_power.h"

namespace balie::platform {

class FakeDisplayPower final : public DisplayPower {
 public:
  void set_panel_on(bool on) override {
    on_ = on;
    ++calls_;
  }
  bool panel_on() const override { return on_; }
  int calls() const { return calls_; }

 private:
  bool on_ = true;
  int calls_ = 0;
};

}  // namespace balie::platform
