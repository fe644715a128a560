from monetization import admin_ads  # noqa: F401  (the ad marketplace's back office)
