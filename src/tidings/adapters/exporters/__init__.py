"""Files people download: CSV now, PDF later."""
