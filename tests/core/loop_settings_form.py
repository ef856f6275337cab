"""What the business settings form posts when nothing is changed: the defaults, as a browser
sends them."""


def settings_form(**changes) -> dict:
    return {
        "working_days": ["0", "1", "2", "3", "4"],
        "holidays": "",
        "fallback_owner": "",
        "sla_reminder_hours": "24",
        "overdue_grace_hours": "24",
        "slack_webhook_url": "",
        "sender_email": "",
        "survey_throttle_days": "90",
        "account_survey_quota": "",
        "account_quota_days": "30",
        "survey_link_days": "30",
        "case_window_days": "30",
        "action_overdue_escalation_days": "2",
        "risk_weight_arr": "25",
        "risk_weight_renewal": "20",
        "risk_weight_score": "20",
        "risk_weight_influence": "15",
        "risk_weight_escalation": "10",
        "risk_weight_overdue": "10",
        "risk_arr_full_at": "100000",
        "risk_renewal_horizon_days": "180",
        "issue_alert_answers": "10",
        "issue_alert_arr": "250000",
        "issue_alert_days": "30",
        "reporting_currency": "EUR",
        **changes,
    }
