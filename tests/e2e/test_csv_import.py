"""An admin imports accounts in the browser; a real worker checks the file, then imports it."""

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Account

pytestmark = pytest.mark.e2e

ACCOUNTS_CSV = (
    "external_id,name,segment,arr\n"
    "ACC-1,Acme Europe,enterprise,120000\n"
    "ACC-2,Globex Logistics,mid_market,80000\n"
    "ACC-3,Initech,smb,lots\n"
    "ACC-4,Umbrella Health,,\n"
)


def test_an_admin_imports_accounts_skipping_the_one_bad_row(
    page: Page, sign_in, admin_user, settings, celery_worker, screenshots,
    serious_accessibility_violations, broken_requests,
):  # fmt: skip
    # The web app and the worker share the stored uploads, as they share a volume in production.
    settings.DATA_DIR = celery_worker.data_dir

    sign_in(admin_user)
    page.goto("/configure/imports/")
    page.get_by_label("Accounts").check()
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "crm.csv", "mimeType": "text/csv", "buffer": ACCOUNTS_CSV.encode()}]
    )
    page.get_by_role("button", name="Upload and check").click()

    # The worker checks the file; the page follows its progress, then shows the check.
    expect(page.get_by_role("heading", name="What the import will do")).to_be_visible(
        timeout=30_000
    )
    errors = page.get_by_role("table", name="Problems found, by line")
    expect(errors.get_by_role("row").nth(1)).to_contain_text("line 4")
    expect(errors).to_contain_text("'lots' is not a number")
    import_button = page.get_by_role("button", name="Import", exact=True)
    expect(import_button).to_be_disabled()
    screenshots("import-preview")
    assert serious_accessibility_violations() == []

    page.get_by_label("Skip the invalid rows").check()
    expect(import_button).to_be_enabled()
    import_button.click()

    expect(page.get_by_role("heading", name="What the import did")).to_be_visible(timeout=30_000)
    created = page.locator(".import-figures div", has_text="created")
    expect(created).to_contain_text("3")
    expect(page.get_by_text(re.compile("Imported on"))).to_be_visible()
    screenshots("import-done")
    assert serious_accessibility_violations() == []

    assert sorted(Account.objects.values_list("external_id", flat=True)) == [
        "ACC-1",
        "ACC-2",
        "ACC-4",
    ]
    assert broken_requests == []
