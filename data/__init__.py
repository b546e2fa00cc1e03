"""The data tables (data/*.csv), installed with course_lib as course_lib._tables."""
