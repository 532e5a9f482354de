CREATE TABLE issues (
  id varchar(64) NOT NULL PRIMARY KEY,
  title varchar(512) NOT NULL,
  description text,
  status varchar(32) NOT NULL DEFAULT 'open',
  priority int NOT NULL DEFAULT 2,
  assignee varchar(255),
  created_at datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at datetime NOT NULL DEFAULT CURRENT_TIMESTAMP
);
