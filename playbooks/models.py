# Cases and playbooks arrive with the playbook engine.
