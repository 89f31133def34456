"""Hiring's domain logic over its tables: accounts and access, campaigns, candidates and their
questionnaire, scores, the audit log and retention. No HTTP here beyond the error type."""
