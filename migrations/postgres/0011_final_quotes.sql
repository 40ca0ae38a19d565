-- Competitive consultation (竞争性磋商, 214号): after the consultation the bidders whose
-- responses were opened submit a sealed final quote (最后报价), opened at this second deadline.
ALTER TABLE projects ADD COLUMN final_deadline_at BIGINT;
