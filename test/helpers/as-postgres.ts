// setupFiles of the jest project "postgres": this project's desks run on PostgreSQL.
process.env.DESK_TEST_BACKEND = 'postgres';
