# Retention periods for storage buckets, from their tags.
package storage.retention

default retention_days := 7

retention_days := 365 if input.bucket.tags.compliance == "pci"

retention_days := 30 if input.bucket.tags.env == "prod"
