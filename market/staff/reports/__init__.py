"""The union's reports: figures per period, province and program, their charts and downloads."""
