"""Delivery of results: signed webhooks to the EHR and WeCom notices."""
